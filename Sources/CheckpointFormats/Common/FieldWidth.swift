import Tensors

/// The widths an output format gives names and shapes, checked before anything is written: a
/// tensor name too long for its field, or a shape of more dimensions than the format describes, is
/// refused as an output that cannot hold the data, naming the tensor (abbreviated: the name itself
/// may be megabytes).
public enum FieldWidth {
    /// A zip member's name length is 16 bits (`.npz`, the zips zoo writes).
    public static let zipName = 0xFFFF

    /// Refuses the first tensor whose name, as `field` stores it (`stored`), is longer than `limit` bytes.
    static func check(
        _ tensors: [TensorInfo], path: String, limit: Int, field: String, stored: (String) -> String = { $0 }
    ) throws {
        for tensor in tensors {
            let length = stored(tensor.name).utf8.count
            guard length > limit else { continue }
            throw CheckpointError.unsupportedOutput(
                file: path, reason: "tensor '\(abbreviated(tensor.name))' has a name of \(length) bytes; \(field) holds at most \(limit)")
        }
    }

    /// HDF5's dataspaces have at most 32 dimensions (`H5S_MAX_RANK`).
    public static let hdf5Rank = 32
    /// NumPy 2 arrays have at most 64 dimensions (`NPY_MAXDIMS`; NumPy 1 had 32).
    public static let numpyRank = 64

    /// Refuses the first tensor with more than `limit` dimensions, which `format` cannot describe.
    static func checkRank(_ tensors: [TensorInfo], path: String, limit: Int, format: String) throws {
        guard let deep = tensors.first(where: { $0.shape.rank > limit }) else { return }
        throw CheckpointError.unsupportedOutput(
            file: path, reason: "tensor '\(abbreviated(deep.name))' has \(deep.shape.rank) dimensions; \(format) holds at most \(limit)")
    }

    /// The first 60 characters of `name`, and how many more there are.
    public static func abbreviated(_ name: String) -> String {
        name.count <= 60 ? name : "\(name.prefix(60))… (\(name.utf8.count) bytes)"
    }
}
