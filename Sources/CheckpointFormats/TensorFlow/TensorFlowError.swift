/// Everything that can be wrong with a TensorFlow checkpoint (TensorBundle: `.index` + data shards).
public enum TensorFlowProblem: FormatProblem {
    case truncated(String)
    /// The index's footer does not end with the table magic number.
    case badMagic(found: UInt64)
    /// An index block whose stored CRC32C does not match its bytes.
    case badBlockChecksum(stored: UInt32, computed: UInt32)
    case badBlock(String)
    /// A header or entry record that is not valid protobuf for its message.
    case badProto(String)
    case badHeader(String)
    case unsupportedDType(Int)
    case missingShard(String)
    case dataOutOfBounds(shard: String, offset: Int, size: Int, shardSize: Int)
    case sizeMismatch(stored: Int, expected: Int)
    case badTensorChecksum(stored: UInt32, computed: UInt32)
    /// A snappy- or otherwise compressed index block (TensorFlow writes them uncompressed).
    case compressedBlock(type: UInt8)
    /// A partitioned variable saved as slices.
    case slicedTensor(slices: Int)
    case keysOutOfOrder(previous: String, next: String)

    public static let formatName = "tensorflow"

    public var description: String {
        switch self {
        case .truncated(let what): "truncated: \(what)"
        case .badMagic(let found): "the index ends with 0x\(String(found, radix: 16)), not the TensorBundle table magic number"
        case .badBlockChecksum(let stored, let computed):
            "index block checksum mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16)))"
        case .badBlock(let why): "malformed index block: \(why)"
        case .badProto(let why): "malformed record: \(why)"
        case .badHeader(let why): "bad bundle header: \(why)"
        case .unsupportedDType(let code): "TensorFlow dtype \(code) is not a numeric type zoo reads"
        case .missingShard(let name): "data shard '\(name)' is missing"
        case .dataOutOfBounds(let shard, let offset, let size, let shardSize):
            "\(size) bytes at offset \(offset) run past the end of '\(shard)' (\(shardSize) bytes)"
        case .sizeMismatch(let stored, let expected): "record says \(stored) bytes but dtype × shape needs \(expected)"
        case .badTensorChecksum(let stored, let computed):
            "tensor data checksum mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16)))"
        case .compressedBlock(let type): "index block compressed with type \(type); zoo reads uncompressed tables only"
        case .slicedTensor(let slices): "a partitioned variable saved as \(slices) slice(s); zoo does not reassemble slices"
        case .keysOutOfOrder(let previous, let next): "keys out of order ('\(next)' after '\(previous)')"
        }
    }
}

public typealias TensorFlowError = FormatError<TensorFlowProblem>
