@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// The bounds that keep small hostile files cheap (issue 17 §3), at the library level; the
/// crafted files themselves are in Fuzz/hostile/hangs.
@Suite struct PickleAndZipLimitTests {
    @Test func aPickleBuildingMoreValuesThanTheLimitIsRefusedNamingIt() throws {
        let pickle: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x7D, count: 20) + [0x2E]
        let arena = PickleArena()
        arena.limit = PickleLimit(storages: 0, environment: [PickleLimit.variable: "10"])
        defer { arena.clear() }
        #expect {
            try pickle.withUnsafeBytes { raw in
                var unpickler = Unpickler(bytes: raw, file: "memory", base: 0, arena: arena) { _, _ in .none }
                _ = try unpickler.load()
            }
        } throws: { "\($0)".contains("zoo's limit is 10 values (set by ZOO_MAX_PICKLE_VALUES)") && "\($0)".contains("at byte 12") }
    }

    @Test func theLimitGrowsWithTheStorages() {
        #expect(PickleLimit(storages: 1000, environment: [:]).values == PickleLimit.base + 256_000)
        #expect(PickleLimit(storages: nil, environment: [PickleLimit.variable: "nonsense"]).values == PickleLimit.base)
    }

    /// A highly compressible member makes the inflate buffer grow by doubling: the bytes must
    /// come back whole and CRC-checked.
    @Test func aDeflatedMemberLargerThanItsFirstBufferReadsBackWhole() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("big.zip")
        let bytes = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 / 4096) }
        let output = try AtomicFile(destination: path)
        let zip = ZipWriter(output: output)
        try zip.beginMember("big.bin", size: bytes.count, deflate: true)
        try zip.write(bytes)
        try zip.endMember()
        try zip.finish()
        try output.commit()
        let archive = try ZipArchive(file: MappedFile(path: path))
        let entry = try #require(archive.entry(named: "big.bin"))
        #expect(entry.compressedSize * 16 < bytes.count, "not compressible enough to grow the buffer")
        let storage = try archive.contents(of: entry)
        #expect(withExtendedLifetime(storage) { Array(storage.bytes) } == bytes)
    }
}
