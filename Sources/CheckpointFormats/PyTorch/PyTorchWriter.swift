import Tensors

/// Writes a state dict in torch.save's zip format, which `torch.load(path, weights_only=True)`
/// reads (mmap included): `archive/data.pkl` (an OrderedDict of `_rebuild_tensor_v2` calls over
/// typed storages, or `_rebuild_tensor_v3` with the dtype for uint16/32/64, as torch itself
/// writes them), then one stored, 64-byte-aligned `archive/data/N` member per tensor, streamed,
/// committed atomically.
public final class PyTorchWriter: CheckpointWriter {
    private let output: AtomicFile
    private let zip: ZipWriter
    private let tensors: [TensorInfo]
    private var next = 0
    private static let prefix = "archive/"

    public init(path: String, tensors: [TensorInfo]) throws {
        if let bad = tensors.first(where: { Self.storage(for: $0.dtype) == nil }) {
            throw CheckpointError.unsupportedOutput(
                file: path, reason: "PyTorch has no \(bad.dtype.rawValue) dtype zoo can save (tensor '\(bad.name)'); convert with --dtype f32 first")
        }
        self.tensors = tensors
        output = try AtomicFile(destination: path)
        zip = ZipWriter(output: output)
        try member("data.pkl", Self.pickle(tensors))
        try member(".format_version", Array("1".utf8))
        try member(".storage_alignment", Array("64".utf8))
        try member("byteorder", Array("little".utf8))
    }

    public func append(_ tensor: Tensor) throws {
        let info = tensors[next]
        precondition(info.dtype == tensor.dtype && info.shape == tensor.shape, "tensor differs from the announced '\(info.name)'")
        try zip.beginMember(Self.prefix + "data/\(next)", size: tensor.byteCount, deflate: false)
        try tensor.withUnsafeBytes { try zip.write($0) }
        try zip.endMember()
        next += 1
    }

    public func commit() throws -> [String] {
        precondition(next == tensors.count, "committed before every announced tensor was appended")
        try member("version", Array("3\n".utf8))
        try zip.finish()
        try output.commit()
        return [output.destination]
    }

    private func member(_ name: String, _ bytes: [UInt8]) throws {
        try zip.beginMember(Self.prefix + name, size: bytes.count, deflate: false)
        try zip.write(bytes)
        try zip.endMember()
    }

    /// The storage class torch saves `dtype` under (nil: torch names the dtype itself, v3), or
    /// nil nil where torch has no such dtype.
    private static func storage(for dtype: DType) -> (storage: String, dtype: String?)? {
        if let typed = Unpickler.storageTypes.first(where: { $0.value == dtype && $0.key != "torch.storage.UntypedStorage" }) {
            return (typed.key, nil)
        }
        guard let named = Unpickler.dtypes.first(where: { $0.value == dtype }) else { return nil }
        return ("torch.storage.UntypedStorage", named.key)
    }

    /// `OrderedDict([(name, tensor), …])`, each tensor a contiguous view of its own storage `N`.
    static func pickle(_ tensors: [TensorInfo]) -> [UInt8] {
        var pickle = PickleWriter()
        pickle.global("collections.OrderedDict")
        pickle.emptyTuple()
        pickle.reduce()
        pickle.mark()
        for (index, info) in tensors.enumerated() {
            let (storage, dtypeName) = storage(for: info.dtype)!
            pickle.string(info.name)
            pickle.global(dtypeName == nil ? "torch._utils._rebuild_tensor_v2" : "torch._utils._rebuild_tensor_v3")
            pickle.mark()
            pickle.mark()  // the persistent id: ('storage', class, key, location, numel)
            pickle.string("storage")
            pickle.global(storage)
            pickle.string(String(index))
            pickle.string("cpu")
            pickle.int(dtypeName == nil ? info.elementCount : info.byteCount)
            pickle.tuple()
            pickle.persistentID()
            pickle.int(0)
            pickle.ints(info.shape.dims)
            pickle.ints(info.shape.contiguousStrides)
            pickle.bool(false)  // requires_grad
            pickle.global("collections.OrderedDict")  // backward hooks
            pickle.emptyTuple()
            pickle.reduce()
            if let dtypeName { pickle.global(dtypeName) }
            pickle.tuple()
            pickle.reduce()
        }
        pickle.setItems()
        pickle.stop()
        return pickle.bytes
    }
}
