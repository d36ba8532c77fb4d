import Tensors

/// The JSON header of a safetensors file: each tensor's dtype, shape and byte range in the data
/// section, plus string metadata. Parsing validates everything the format promises before any
/// data byte is trusted.
public struct SafetensorsHeader: Sendable {
    public struct Entry: Sendable, Equatable {
        public let info: TensorInfo
        /// Byte range within the data section.
        public let range: Range<Int>
    }

    /// Entries in data order.
    public let entries: [Entry]
    public let metadata: [String: String]

    /// Where the JSON starts: after the 8-byte length.
    static let headerStart = 8

    /// The reference implementation's limit on header size.
    public static let maxHeaderLength = 100_000_000

    public init(entries: [Entry], metadata: [String: String]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// Lays out `tensors` back to back in the given order.
    public init(laying tensors: [TensorInfo], metadata: [String: String]) {
        var offset = 0
        entries = tensors.map { info in
            defer { offset += info.byteCount }
            return Entry(info: info, range: offset..<offset + info.byteCount)
        }
        self.metadata = metadata
    }

    public var dataSize: Int { entries.last?.range.upperBound ?? 0 }

    /// Parses and validates a header whose JSON starts at byte 8 of `file`, for a data section of
    /// `dataSize` bytes.
    public static func parse(json bytes: UnsafeRawBufferPointer, dataSize: Int, file: String) throws(SafetensorsError) -> SafetensorsHeader {
        let headerStart = Self.headerStart
        func error(_ problem: SafetensorsProblem, tensor: String? = nil, at offset: Int? = nil) -> SafetensorsError {
            SafetensorsError(file: file, tensor: tensor, offset: offset, problem)
        }
        let root: JSON
        do {
            root = try JSON.parse(bytes)
        } catch let failure {
            throw error(.invalidJSON(failure), at: headerStart + failure.offset)
        }
        guard case .object(let members) = root else { throw error(.headerNotObject(found: root.kind), at: headerStart) }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        var seen = Set<String>()
        for (name, value, keyOffset) in members {
            let at = headerStart + keyOffset
            guard seen.insert(name).inserted else { throw error(.badEntry("key appears twice"), tensor: name, at: at) }
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw error(.badMetadata("must be an object of strings, found \(value.kind)"), at: at) }
                for (key, item, offset) in pairs {
                    guard case .string(let text) = item else { throw error(.badMetadata("value for '\(key)' is \(item.kind), not a string"), at: at) }
                    guard metadata.updateValue(text, forKey: key) == nil else {
                        throw error(.badMetadata("key '\(key)' appears twice"), at: headerStart + offset)
                    }
                }
                continue
            }
            entries.append(try entry(name, value, dataSize: dataSize, at: at, error: error))
        }

        // Sorted by offset, the ranges must tile the data section exactly: no overlap, no gap.
        entries.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var end = 0
        for (index, entry) in entries.enumerated() {
            let absolute = headerStart + bytes.count + entry.range.lowerBound
            if entry.range.lowerBound < end {
                throw error(.overlap(other: entries[index - 1].info.name), tensor: entry.info.name, at: absolute)
            }
            if entry.range.lowerBound > end {
                throw error(.gap(from: end, to: entry.range.lowerBound), tensor: entry.info.name, at: headerStart + bytes.count + end)
            }
            end = entry.range.upperBound
        }
        if end != dataSize { throw error(.uncoveredTail(dataEnd: end, dataSize: dataSize), at: headerStart + bytes.count + end) }
        return SafetensorsHeader(entries: entries, metadata: metadata)
    }

    private static func entry(
        _ name: String, _ value: JSON, dataSize: Int, at: Int,
        error: (SafetensorsProblem, String?, Int?) -> SafetensorsError
    ) throws(SafetensorsError) -> Entry {
        guard case .object(let fields) = value else { throw error(.badEntry("expected an object, found \(value.kind)"), name, at) }
        var dtypeName: String?, shapeValue: JSON?, offsetsValue: JSON?
        var seen = Set<String>()
        for (key, field, offset) in fields {
            // serde, which the reference parses with, refuses a repeated field: never pick one of two.
            guard seen.insert(key).inserted else { throw error(.badEntry("field '\(key)' appears twice"), name, headerStart + offset) }
            switch key {
            case "dtype":
                guard case .string(let text) = field else { throw error(.badEntry("dtype is \(field.kind), not a string"), name, at) }
                dtypeName = text
            case "shape": shapeValue = field
            case "data_offsets": offsetsValue = field
            default: throw error(.badEntry("unexpected field '\(key)'"), name, at)
            }
        }
        guard let dtypeName else { throw error(.badEntry("missing dtype"), name, at) }
        guard let dtype = DType(rawValue: dtypeName) else { throw error(.unknownDType(dtypeName), name, at) }
        guard case .array(let dimValues) = shapeValue else { throw error(.badShape("missing or not an array"), name, at) }
        var dims: [Int] = []
        for dim in dimValues {
            guard let size = dim.nonNegativeInt else { throw error(.badShape("dimension \(dim.serialized) is not a non-negative integer"), name, at) }
            dims.append(size)
        }
        guard case .array(let offsetValues) = offsetsValue, offsetValues.count == 2,
            let begin = offsetValues[0].nonNegativeInt, let end = offsetValues[1].nonNegativeInt
        else { throw error(.badEntry("data_offsets must be two non-negative integers"), name, at) }
        guard begin <= end, end <= dataSize else {
            throw error(.rangeOutsideData(begin: begin, end: end, dataSize: dataSize), name, at)
        }
        let shape: Shape
        let expected: Int
        do {
            shape = try Shape(dims)
            expected = try shape.byteCount(dtype)
        } catch let failure {
            throw error(.badShape(failure.description), name, at)
        }
        guard expected == end - begin else {
            throw error(.sizeMismatch(shape: dims, dtype: dtypeName, expectedBytes: expected, rangeBytes: end - begin), name, at)
        }
        return Entry(info: TensorInfo(name: name, dtype: dtype, shape: shape), range: begin..<end)
    }

    /// The 8-byte length prefix and JSON header, space-padded to a multiple of 8 bytes as the
    /// reference writer does, so the data section starts aligned.
    public func encoded() -> [UInt8] {
        var members: [(key: String, value: JSON, offset: Int)] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.string($0.value), offset: 0) }
            members.append(("__metadata__", .object(pairs), 0))
        }
        for entry in entries {
            let fields: [(key: String, value: JSON, offset: Int)] = [
                ("dtype", .string(entry.info.dtype.rawValue), 0),
                ("shape", .array(entry.info.shape.dims.map(JSON.int)), 0),
                ("data_offsets", .array([.int(entry.range.lowerBound), .int(entry.range.upperBound)]), 0),
            ]
            members.append((entry.info.name, .object(fields), 0))
        }
        var json = Array(JSON.object(members).serialized.utf8)
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json
    }
}
