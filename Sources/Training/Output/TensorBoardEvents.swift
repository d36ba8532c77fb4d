import Foundation

/// A TensorBoard event file (`events.out.tfevents.<time>.<host>`): TFRecord framing (length,
/// masked CRC-32C of the length, the record, masked CRC-32C of the record) around `Event`
/// protocol buffers — first the `file_version` event, then one scalar summary per value
/// (`wall_time` field 1, `step` field 2, `summary` field 5 holding `Value { tag = 1; simple_value = 2 }`).
/// TensorBoard's own reader (`EventAccumulator`) reads it; `make interop` checks so.
public struct TensorBoardEvents {
    private var bytes: [UInt8] = []

    public init(wallTime: Double) { record(Self.event(wallTime: wallTime, step: 0, body: Self.field(3, string: "brain.Event:2"))) }

    /// Adds `value` of `tag` at `step`.
    public mutating func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Double) {
        var summaryValue = Self.field(1, string: tag)
        summaryValue += [0x15] + withUnsafeBytes(of: Float(value).bitPattern.littleEndian, Array.init)
        let summary = Self.field(1, bytes: summaryValue)
        record(Self.event(wallTime: wallTime, step: step, body: Self.field(5, bytes: summary)))
    }

    /// The file's bytes.
    public var data: [UInt8] { bytes }

    private mutating func record(_ payload: [UInt8]) {
        let length = withUnsafeBytes(of: UInt64(payload.count).littleEndian, Array.init)
        bytes += length + Self.maskedCRC(length) + payload + Self.maskedCRC(payload)
    }

    private static func event(wallTime: Double, step: Int, body: [UInt8]) -> [UInt8] {
        [0x09] + withUnsafeBytes(of: wallTime.bitPattern.littleEndian, Array.init) + [0x10] + varint(UInt64(bitPattern: Int64(step))) + body
    }

    private static func field(_ number: UInt8, string: String) -> [UInt8] { field(number, bytes: Array(string.utf8)) }

    private static func field(_ number: UInt8, bytes: [UInt8]) -> [UInt8] { [number << 3 | 2] + varint(UInt64(bytes.count)) + bytes }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, out: [UInt8] = []
        repeat {
            out.append(UInt8(value & 0x7F) | (value > 0x7F ? 0x80 : 0))
            value >>= 7
        } while value != 0
        return out
    }

    /// TFRecord's mask over CRC-32C: rotated right by 15 bits, plus 0xa282ead8.
    private static func maskedCRC(_ bytes: [UInt8]) -> [UInt8] {
        let crc = CRC32C.checksum(bytes)
        return withUnsafeBytes(of: (((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8).littleEndian, Array.init)
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), which TFRecord frames use; zlib has
/// only the IEEE CRC-32.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { byte in
        (0..<8).reduce(UInt32(byte)) { crc, _ in crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
}

extension FineTuneReport {
    /// One event file per run, named by its folder (`seed-3`, `fold-2-seed-3`): `train/loss`, `train/learning_rate` per step and `validation/loss`
    /// and `validation/<headline>` per evaluation, under the phase (`linear_probe/…`, `fine_tune/…`).
    public func tensorBoardEvents(wallTime: Double) -> [(folder: String, bytes: [UInt8])] {
        seeds.map { seed in
            var events = TensorBoardEvents(wallTime: wallTime)
            for record in seed.losses {
                events.scalar("\(record.phase)/train/loss", record.loss, step: record.step, wallTime: wallTime)
                events.scalar("\(record.phase)/train/learning_rate", record.learningRate, step: record.step, wallTime: wallTime)
            }
            for evaluation in seed.evaluations {
                events.scalar("\(evaluation.phase)/validation/loss", evaluation.metrics.loss, step: evaluation.step, wallTime: wallTime)
                if let value = evaluation.metrics.value(of: summary.metric) {
                    events.scalar("\(evaluation.phase)/validation/\(summary.metric)", value, step: evaluation.step, wallTime: wallTime)
                }
            }
            return (seed.folderName, events.data)
        }
    }
}
