import CheckpointFormats
import Foundation
import Tensors

/// What the Python generators recorded about each fixture tensor (formats/*/expected.json):
/// dtype, shape, CRC-32 of the little-endian C-order bytes, and the first few values.
public struct ExpectedTensor {
    public let dtype: String
    public let shape: [Int]
    public let crc32: UInt32
    public let first: [Any]

    public init(_ entry: [String: Any]) {
        dtype = entry["dtype"] as! String
        shape = (entry["shape"] as! [NSNumber]).map(\.intValue)
        crc32 = (entry["crc32"] as! NSNumber).uint32Value
        first = entry["first"] as? [Any] ?? []
    }

    /// Differences between `tensor` and this expectation, as readable lines (empty when equal).
    public func mismatches(_ tensor: Tensor, name: String) -> [String] {
        var problems: [String] = []
        if tensor.dtype.rawValue != dtype { problems.append("\(name): dtype \(tensor.dtype.rawValue), expected \(dtype)") }
        if tensor.shape.dims != shape { problems.append("\(name): shape \(tensor.shape.dims), expected \(shape)") }
        let crc = tensor.withUnsafeBytes { CRC32.checksum($0) }
        if crc != crc32 { problems.append("\(name): crc32 \(crc), expected \(crc32)") }
        // F8 types are opaque bytes to zoo: the CRC covers them, their decoded values do not apply.
        let decodable = tensor.dtype != .f8e4m3 && tensor.dtype != .f8e5m2
        for (index, expected) in first.enumerated() where decodable && index < tensor.elementCount {
            let actual = Self.value(tensor, index)
            if !Self.same(actual, expected) { problems.append("\(name)[\(index)]: \(actual), expected \(expected)") }
        }
        return problems
    }

    /// Element `index` as a Double (floats, integers) or Bool.
    static func value(_ tensor: Tensor, _ index: Int) -> Any {
        func load<T: BitwiseCopyable>(_: T.Type) -> T {
            tensor.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self) }
        }
        switch tensor.dtype {
        case .f64: return load(Double.self)
        case .f32: return Double(load(Float.self))
        case .f16: return Double(Float(load(Float16.self)))
        case .bf16: return Double(Float(bitPattern: UInt32(load(UInt16.self)) << 16))
        case .i64: return Double(load(Int64.self))
        case .i32: return Double(load(Int32.self))
        case .i16: return Double(load(Int16.self))
        case .i8: return Double(load(Int8.self))
        case .u64: return Double(load(UInt64.self))
        case .u32: return Double(load(UInt32.self))
        case .u16: return Double(load(UInt16.self))
        case .u8, .f8e4m3, .f8e5m2: return Double(load(UInt8.self))
        case .bool: return load(UInt8.self) != 0
        }
    }

    static func same(_ actual: Any, _ expected: Any) -> Bool {
        switch (actual, expected) {
        case (let flag as Bool, let want as Bool): return flag == want
        case (let number as Double, let text as String):
            switch text {
            case "nan": return number.isNaN
            case "inf": return number == .infinity
            case "-inf": return number == -.infinity
            default: return false
            }
        case (let number as Double, let want as NSNumber):
            // Foundation's JSON number parsing can be off in the last bit of a double.
            return abs(number - want.doubleValue) <= 1e-14 * max(1, abs(number))
        default: return false
        }
    }
}

/// Compares every tensor a reader yields against an expected.json `tensors` object.
public func mismatches(_ reader: CheckpointReader, expected tensors: [String: Any]) throws -> [String] {
    var problems: [String] = []
    let names = Set(reader.tensors.map(\.name))
    if names != Set(tensors.keys) { problems.append("tensor names \(names.sorted()) differ from expected \(tensors.keys.sorted())") }
    for info in reader.tensors {
        guard let entry = tensors[info.name] as? [String: Any] else { continue }
        problems += ExpectedTensor(entry).mismatches(try reader.tensor(named: info.name), name: info.name)
    }
    return problems
}

/// One entry of a malformed corpus (formats/*/malformed/cases.json).
public struct MalformedCase: CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String
    public let tensor: String?
    public let offset: Int?
    public let note: String

    /// The cases of `formats/<folder>/<corpus>/cases.json`.
    public static func load(_ folder: String, corpus: String = "malformed") throws -> [MalformedCase] {
        let cases = try Fixtures.json(folder, corpus + "/cases.json") as! [[String: Any]]
        return cases.map {
            MalformedCase(
                file: $0["file"] as! String, problem: $0["problem"] as! String, tensor: $0["tensor"] as? String,
                offset: ($0["offset"] as? NSNumber)?.intValue, note: $0["description"] as? String ?? "")
        }
    }

    public var description: String { "\(file) (\(problem))" }
}

/// The enum case name of a problem value (e.g. "headerTooLarge").
public func caseName(_ value: Any) -> String {
    Mirror(reflecting: value).children.first?.label ?? String(describing: value)
}
