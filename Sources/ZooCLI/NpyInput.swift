import Foundation
import ModelZoo

/// `zoo score`'s precomputed inputs: a features matrix and a labels vector, each a NumPy `.npy`.
enum NpyInput {
    /// A file that is a valid `.npy` but not what `zoo score` needs.
    struct Problem: Error, CustomStringConvertible {
        let file: String
        let reason: String
        var description: String { "\(file): \(reason)" }
    }

    /// [samples, features] of any float dtype, as float64.
    static func features(_ path: String) throws -> FeatureMatrix {
        let reader = try NpyReader(path: path)
        let info = reader.tensors[0]
        guard info.shape.rank == 2, info.dtype.floatFormat != nil else {
            throw Problem(file: path, reason: "features must be a float array of shape [samples, features], not \(info.dtype.rawValue) \(info.shape.dims)")
        }
        let values = try reader.tensor(named: info.name).converted(to: .f64).scalars(as: Double.self)
        return FeatureMatrix(rows: info.shape.dims[0], columns: info.shape.dims[1], values: values)
    }

    /// [samples] integer class labels.
    static func labels(_ path: String) throws -> [Int] {
        let reader = try NpyReader(path: path)
        let info = reader.tensors[0]
        guard info.shape.rank == 1 else { throw Problem(file: path, reason: "labels must have shape [samples], not \(info.shape.dims)") }
        let tensor = try reader.tensor(named: info.name)
        switch info.dtype {
        case .i64: return tensor.scalars(as: Int64.self).map(Int.init)
        case .i32: return tensor.scalars(as: Int32.self).map(Int.init)
        case .i16: return tensor.scalars(as: Int16.self).map(Int.init)
        case .i8: return tensor.scalars(as: Int8.self).map(Int.init)
        case .u32: return tensor.scalars(as: UInt32.self).map(Int.init)
        case .u16: return tensor.scalars(as: UInt16.self).map(Int.init)
        case .u8: return tensor.scalars(as: UInt8.self).map(Int.init)
        default: throw Problem(file: path, reason: "labels must be integers (class 0, 1, …), not \(info.dtype.rawValue)")
        }
    }
}
