import Foundation
import Tensors

/// Reads a TensorFlow checkpoint (TensorBundle): the `.index` table holds a header record
/// (shard count, byte order) and one BundleEntryProto per tensor (dtype, shape, shard, offset,
/// size, masked CRC32C); the bytes live in `PREFIX.data-NNNNN-of-NNNNN` shards, mapped and read
/// in place. Each tensor's CRC32C is checked when it is read. String tensors (the object graph
/// of TF2 checkpoints) are listed in `skipped`; optimizer slots and step counters get their roles.
public final class TensorFlowReader: MappedCheckpointReader, @unchecked Sendable {
    struct Entry {
        let info: TensorInfo
        let shard: Int
        let range: Range<Int>
        let crc: UInt32
    }

    public let path: String
    public let format = CheckpointFormat.tensorflowIndex
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let warnings: [String]
    /// Names of the tensors zoo does not read (strings, resources, variants).
    public let skipped: [String]
    private let entries: [String: Entry]
    /// The mapped data shards; nil for one no tensor reads bytes from.
    private let shards: [MappedFile?]
    private let shardNames: [String]

    public init(file: MappedFile) throws {
        path = file.path
        let records = try SSTable.records(of: file.bytes, file: path)
        guard let header = records.first, header.key.isEmpty else {
            throw TensorFlowError(file: path, .badHeader("no header record (the empty key)"))
        }
        let (shardCount, version) = try Self.header(header, file: path)
        let prefix = path.hasSuffix(".index") ? String(path.dropLast(".index".count)) : path
        shardNames = (0..<shardCount).map { String(format: "%@.data-%05d-of-%05d", prefix, $0, shardCount) }
        var shards: [MappedFile?] = Array(repeating: nil, count: shardCount)
        var tensors: [TensorInfo] = [], entries: [String: Entry] = [:], skipped: [String] = []
        for record in records.dropFirst() {
            let name = String(decoding: record.key, as: UTF8.self)
            let fail = { (problem: TensorFlowProblem) in TensorFlowError(file: file.path, tensor: name, offset: record.offset, problem) }
            let parsed: ParsedEntry
            do { parsed = try ParsedEntry(record.value) } catch { throw fail(.badProto(error.what)) }
            guard parsed.slices == 0 else { throw fail(.slicedTensor(slices: parsed.slices)) }
            guard let kind = Self.dtypes[parsed.dtype] else { throw fail(.unsupportedDType(parsed.dtype)) }
            guard let dtype = kind else {
                skipped.append(name)
                continue
            }
            let shape: Shape, bytes: Int
            do {
                shape = try Shape(parsed.dims)
                bytes = try shape.byteCount(dtype)
            } catch { throw fail(.badProto("shape \(parsed.dims)")) }
            guard bytes == parsed.size else { throw fail(.sizeMismatch(stored: parsed.size, expected: bytes)) }
            guard parsed.shard < shardCount else { throw fail(.badProto("shard_id \(parsed.shard), but the header says \(shardCount) shards")) }
            if bytes > 0 && shards[parsed.shard] == nil {
                // A shard that exists but cannot be mapped (unreadable, a FIFO) is reported as such.
                do { shards[parsed.shard] = try MappedFile(path: shardNames[parsed.shard]) } catch {
                    if FileManager.default.fileExists(atPath: shardNames[parsed.shard]) { throw error }
                    throw TensorFlowError(file: file.path, tensor: name, .missingShard(URL(fileURLWithPath: shardNames[parsed.shard]).lastPathComponent))
                }
            }
            let shardSize = shards[parsed.shard]?.count ?? 0
            guard bytes == 0 || (parsed.offset <= shardSize && bytes <= shardSize - parsed.offset) else {
                throw TensorFlowError(file: file.path, tensor: name, .dataOutOfBounds(
                    shard: URL(fileURLWithPath: shardNames[parsed.shard]).lastPathComponent, offset: parsed.offset, size: bytes, shardSize: shardSize))
            }
            let info = TensorInfo(name: name, dtype: dtype, shape: shape)
            tensors.append(info)
            entries[name] = Entry(info: info, shard: parsed.shard, range: bytes == 0 ? 0..<0 : parsed.offset..<parsed.offset + bytes, crc: parsed.crc)
        }
        self.tensors = tensors
        self.entries = entries
        self.skipped = skipped
        self.shards = shards
        metadata = version.map { ["tensorflow_producer": String($0)] } ?? [:]
        warnings = skipped.isEmpty ? [] : ["\(path): skipped \(skipped.count) non-numeric tensor(s): \(skipped.joined(separator: ", "))"]
    }

    /// The `.index` and every data shard it names.
    public var files: [String] { [path] + shardNames }

    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw CheckpointError.noSuchTensor(file: path, tensor: name) }
        let info = entry.info
        if entry.range.isEmpty { return try Tensor(zeros: info.dtype, shape: info.shape) }
        let storage = TensorStorage(file: shards[entry.shard]!, range: entry.range)  // mapped by init for any tensor with bytes
        let computed = CRC32C.mask(CRC32C.checksum(storage.bytes))
        guard computed == entry.crc else {
            throw TensorFlowError(file: shardNames[entry.shard], tensor: name, offset: entry.range.lowerBound, .badTensorChecksum(stored: entry.crc, computed: computed))
        }
        return try Tensor(dtype: info.dtype, shape: info.shape, storage: storage)
    }

    public func role(of name: String) -> TensorRole { Self.role(of: name) }

    /// Optimizer state (`.OPTIMIZER_SLOT`, `optimizer/…`, TF1 slot suffixes such as `adam_m`),
    /// bookkeeping (`global_step`, `save_counter`), or a weight.
    public static func role(of name: String) -> TensorRole {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        let slots: Set<Substring> = ["adam_m", "adam_v", "Adam", "Adam_1", "Momentum", "RMSProp", "RMSProp_1", "Adagrad", "beta1_power", "beta2_power"]
        if components.contains(".OPTIMIZER_SLOT") || components.first == "optimizer" || slots.contains(components.last ?? "") { return .optimizer }
        if name == "global_step" || components.first == "save_counter" || components.first == "global_step" { return .bookkeeping }
        return .weight
    }

    /// TensorFlow's DataType codes: a zoo dtype, nil for types skipped (string 7, resource 20,
    /// variant 21); codes not listed are refused.
    static let dtypes: [Int: DType?] = [
        1: .f32, 2: .f64, 3: .i32, 4: .u8, 5: .i16, 6: .i8, 7: nil, 9: .i64, 10: .bool, 14: .bf16,
        17: .u16, 19: .f16, 20: nil, 21: nil, 22: .u32, 23: .u64,
    ]

    /// BundleHeaderProto: num_shards (1), endianness (2: 0 little, 1 big), version (3: VersionDef).
    private static func header(_ record: SSTable.Record, file: String) throws -> (shards: Int, producer: Int?) {
        var reader = ProtobufReader(record.value)
        var shards = 0, bigEndian = false, producer: Int?, minConsumer = 0, badConsumers: [Int] = []
        do {
            while let (number, field) = try reader.next() {
                switch number {
                case 1: shards = Int(truncatingIfNeeded: Int32(truncatingIfNeeded: try field.varint("num_shards")))
                case 2: bigEndian = try field.varint("endianness") != 0
                case 3:
                    var version = ProtobufReader(try field.bytes("version"))
                    while let (inner, value) = try version.next() {
                        switch inner {
                        case 1: producer = Int(truncatingIfNeeded: try value.varint("producer"))
                        case 2: minConsumer = Int(truncatingIfNeeded: try value.varint("min_consumer"))
                        case 3: badConsumers.append(Int(truncatingIfNeeded: try value.varint("bad_consumers")))
                        default: continue
                        }
                    }
                default: continue
                }
            }
        } catch { throw TensorFlowError(file: file, offset: record.offset, .badProto("header: \(error.what)")) }
        guard !bigEndian else { throw TensorFlowError(file: file, offset: record.offset, .badHeader("big-endian checkpoints are not supported")) }
        // zoo reads TensorBundle version 1, as TensorFlow 2 does.
        guard minConsumer <= 1, !badConsumers.contains(1) else {
            throw TensorFlowError(file: file, offset: record.offset, .badHeader("written for readers of version \(minConsumer) or later (bad: \(badConsumers)); zoo reads version 1"))
        }
        guard shards >= 1, shards <= 100_000 else { throw TensorFlowError(file: file, offset: record.offset, .badHeader("num_shards is \(shards)")) }
        return (shards, producer)
    }
}

/// BundleEntryProto: dtype (1), shape (2: TensorShapeProto, dims in field 2, each with size in
/// field 1), shard_id (3), offset (4), size (5), crc32c (6, fixed32), slices (7).
private struct ParsedEntry {
    var dtype = 0, dims: [Int] = [], shard = 0, offset = 0, size = 0, crc: UInt32 = 0, slices = 0

    init(_ bytes: UnsafeRawBufferPointer) throws(ProtobufReader.Malformed) {
        var reader = ProtobufReader(bytes)
        func count(_ value: UInt64, _ name: String) throws(ProtobufReader.Malformed) -> Int {
            guard value <= UInt64(Int.max) else { throw ProtobufReader.Malformed(what: "\(name) \(Int64(bitPattern: value))") }
            return Int(value)
        }
        while let (number, field) = try reader.next() {
            switch number {
            case 1: dtype = Int(truncatingIfNeeded: try field.varint("dtype"))
            case 2:
                var shape = ProtobufReader(try field.bytes("shape"))
                while let (inner, value) = try shape.next() {
                    if inner == 3, try value.varint("unknown_rank") != 0 { throw ProtobufReader.Malformed(what: "shape of unknown rank") }
                    guard inner == 2 else { continue }
                    var dim = ProtobufReader(try value.bytes("dim"))
                    var size = 0
                    while let (dimField, dimValue) = try dim.next() {
                        if dimField == 1 { size = try count(try dimValue.varint("dim size"), "dimension") }
                    }
                    dims.append(size)
                }
            case 3: shard = try count(try field.varint("shard_id"), "shard_id")
            case 4: offset = try count(try field.varint("offset"), "offset")
            case 5: size = try count(try field.varint("size"), "size")
            case 6:
                guard case .fixed32(let value) = field else { throw ProtobufReader.Malformed(what: "crc32c is not fixed32") }
                crc = value
            case 7: slices += 1
            default: continue
            }
        }
    }
}
