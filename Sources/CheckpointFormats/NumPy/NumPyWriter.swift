import Tensors

/// Refuses dtypes and ranks NumPy cannot hold before any file is created.
func checkNumPyCanHold(_ tensors: [TensorInfo], path: String) throws {
    try FieldWidth.checkRank(tensors, path: path, limit: FieldWidth.numpyRank, format: "a NumPy array")
    if let bad = tensors.first(where: { $0.dtype.numpyDescr == nil }) {
        throw CheckpointError.unsupportedOutput(
            file: path, reason: "NumPy has no \(bad.dtype.rawValue) dtype (tensor '\(bad.name)'); convert with --dtype f32 or f16 first")
    }
}

/// Writes an `.npz`: one `NAME.npy` member per tensor, stored (like `np.savez`) or deflated
/// (like `np.savez_compressed`), streamed and committed atomically.
public final class NpzWriter: CheckpointWriter {
    private let output: AtomicFile
    private let zip: ZipWriter
    private let tensors: [TensorInfo]
    private let compress: Bool
    private var next = 0

    public init(path: String, tensors: [TensorInfo], compress: Bool) throws {
        try checkNumPyCanHold(tensors, path: path)
        try FieldWidth.check(tensors, path: path, limit: FieldWidth.zipName, field: "a zip member's name (NAME.npy)") { $0 + ".npy" }
        try refuseNUL(in: tensors, path: path, cut: "where NumPy's np.load cuts an .npz member name (the tensor would be lost); write safetensors or PyTorch instead")
        self.tensors = tensors
        self.compress = compress
        output = try AtomicFile(destination: path)
        zip = ZipWriter(output: output)
    }

    public func append(_ tensor: Tensor) throws {
        let info = tensors[next]
        precondition(info.dtype == tensor.dtype && info.shape == tensor.shape, "tensor differs from the announced '\(info.name)'")
        let header = NpyHeader.encode(dtype: tensor.dtype, shape: tensor.shape)
        try zip.beginMember(info.name + ".npy", size: header.count + tensor.byteCount, deflate: compress)
        try zip.write(header)
        try tensor.withUnsafeBytes { try zip.write($0) }
        try zip.endMember()
        next += 1
    }

    public func commit() throws -> [String] {
        precondition(next == tensors.count, "committed before every announced tensor was appended")
        try zip.finish()
        try output.commit()
        return [output.destination]
    }
}

/// Writes a single `.npy`; the checkpoint must hold exactly one tensor.
public final class NpyWriter: CheckpointWriter {
    private let output: AtomicFile
    private let info: TensorInfo
    private var written = false

    public init(path: String, tensors: [TensorInfo]) throws {
        guard tensors.count == 1 else {
            throw CheckpointError.unsupportedOutput(file: path, reason: "a .npy file holds one array but the checkpoint has \(tensors.count) tensors; write .npz instead")
        }
        try checkNumPyCanHold(tensors, path: path)
        info = tensors[0]
        output = try AtomicFile(destination: path)
    }

    public func append(_ tensor: Tensor) throws {
        precondition(!written && info.dtype == tensor.dtype && info.shape == tensor.shape, "tensor differs from the announced '\(info.name)'")
        try output.write(NpyHeader.encode(dtype: tensor.dtype, shape: tensor.shape))
        try tensor.withUnsafeBytes { try output.write($0) }
        written = true
    }

    public func commit() throws -> [String] {
        precondition(written, "committed before the tensor was appended")
        try output.commit()
        return [output.destination]
    }
}
