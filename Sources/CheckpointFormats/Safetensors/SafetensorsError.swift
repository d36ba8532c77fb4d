/// Everything that can be wrong with a safetensors file.
public enum SafetensorsProblem: FormatProblem {
    case tooShort(size: Int)
    case headerTooLarge(length: UInt64, limit: Int)
    case headerOutsideFile(length: UInt64, fileSize: Int)
    case invalidJSON(JSONError)
    case headerNotObject(found: String)
    case badEntry(String)
    case unknownDType(String)
    case badShape(String)
    case sizeMismatch(shape: [Int], dtype: String, expectedBytes: Int, rangeBytes: Int)
    case rangeOutsideData(begin: Int, end: Int, dataSize: Int)
    case overlap(other: String)
    case gap(from: Int, to: Int)
    case uncoveredTail(dataEnd: Int, dataSize: Int)
    case badMetadata(String)
    case badIndex(String)
    case shardDisagrees(String)

    public static let formatName = "safetensors"

    public var description: String {
        switch self {
        case .tooShort(let size): "file is \(size) bytes, too short for the 8-byte header length"
        case .headerTooLarge(let length, let limit): "header length \(length) exceeds the \(limit)-byte limit"
        case .headerOutsideFile(let length, let size): "header length \(length) runs past the end of the \(size)-byte file"
        case .invalidJSON(let error): "header is not valid JSON: \(error)"
        case .headerNotObject(let found): "header must be a JSON object, found \(found)"
        case .badEntry(let why): "malformed header entry: \(why)"
        case .unknownDType(let dtype): "unknown dtype \"\(dtype)\""
        case .badShape(let why): "invalid shape: \(why)"
        case .sizeMismatch(let shape, let dtype, let expected, let actual):
            "shape \(shape) of \(dtype) needs \(expected) bytes but data_offsets span \(actual)"
        case .rangeOutsideData(let begin, let end, let size): "data_offsets [\(begin), \(end)] fall outside the \(size)-byte data section"
        case .overlap(let other): "data overlaps tensor '\(other)'"
        case .gap(let from, let to): "data section has \(to - from) unused bytes between offsets \(from) and \(to)"
        case .uncoveredTail(let end, let size): "tensors end at data offset \(end) but the data section is \(size) bytes"
        case .badMetadata(let why): "__metadata__ \(why)"
        case .badIndex(let why): "sharded index: \(why)"
        case .shardDisagrees(let why): "shard disagrees with the index: \(why)"
        }
    }
}

public typealias SafetensorsError = FormatError<SafetensorsProblem>
