import Testing
@testable import Training

/// TensorBoard's framing: CRC-32C's check value and the record layout.
struct TensorBoardEventsTests {
    @Test func crc32cHasItsCheckValueAndRecordsAreFramed() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        var events = TensorBoardEvents(wallTime: 1)
        events.scalar("loss", 0.5, step: 3, wallTime: 2)
        let bytes = events.data
        // Two records: each 8 bytes of length, 4 of its CRC, the payload, 4 of the payload's CRC.
        let first = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let second = Array(bytes[(16 + first)...])
        let secondLength = Int(second[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(bytes.count == 16 + first + 16 + secondLength)
        #expect(String(decoding: bytes[12..<(12 + first)], as: UTF8.self).contains("brain.Event:2"))
        #expect(String(decoding: second[12..<(12 + secondLength)], as: UTF8.self).contains("loss"))
    }
}
