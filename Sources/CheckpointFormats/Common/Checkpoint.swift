import Tensors

/// What a reader knows about one tensor before reading its bytes.
public struct TensorInfo: Sendable, Equatable, Codable {
    public let name: String
    public let dtype: DType
    public let shape: Shape

    public init(name: String, dtype: DType, shape: Shape) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// Bytes of data; shapes in a `TensorInfo` are validated when read, so this cannot overflow.
    public var byteCount: Int { shape.elements * dtype.size }
    public var elementCount: Int { shape.elements }
}

/// What a tensor is for: model weights (and buffers), an optimizer's state, or training
/// bookkeeping such as a step counter. Conversions can keep the weights and drop the rest.
public enum TensorRole: String, Sendable, Codable, CaseIterable {
    case weight
    case optimizer
    case bookkeeping

    /// The role of what a training checkpoint keeps under `key` beside the model
    /// (`{"model": …, "optimizer": …, "lr_scheduler": …}`): `.weight` for any other key.
    public init(checkpointKey key: String) {
        switch key {
        case "optimizer", "optimizer_state", "optimizer_state_dict", "optim": self = .optimizer
        case "lr_scheduler", "scheduler", "scaler": self = .bookkeeping
        default: self = .weight
        }
    }
}

/// A checkpoint opened for reading: the tensor list (in file order) is known up front and each
/// tensor's bytes are produced on demand, zero-copy where the format allows it. Memory therefore
/// stays bounded by the largest tensor a caller holds, not by the file.
public protocol CheckpointReader: AnyObject, Sendable {
    var path: String { get }
    var format: CheckpointFormat { get }
    var tensors: [TensorInfo] { get }
    /// Free-form string metadata (safetensors `__metadata__`); empty where a format has none.
    var metadata: [String: String] { get }
    /// Things worth telling the user that do not stop reading (e.g. a sharded index whose
    /// `total_size` disagrees with the shards).
    var warnings: [String] { get }
    /// The bytes of the tensor called `name`, validated.
    func tensor(named name: String) throws -> Tensor
    /// What the tensor called `name` is for; formats that cannot tell say `.weight`.
    func role(of name: String) -> TensorRole
    /// Every file the reader reads from (a sharded checkpoint's index and shards): what an
    /// output must never replace.
    var files: [String] { get }
}

extension CheckpointReader {
    public func role(of name: String) -> TensorRole { .weight }
    public var files: [String] { [path] }
}

/// A reader of a single file, which it parses from a memory map (of a file on disk, or of bytes
/// already in memory: see `MappedFile(copying:path:)`).
public protocol MappedCheckpointReader: CheckpointReader {
    init(file: MappedFile) throws
}

extension MappedCheckpointReader {
    /// Maps the file at `path` and reads it.
    public init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }
}

/// A checkpoint being written. The writer is created with the full list of tensors it will
/// receive (formats such as safetensors need every offset in the header first), then receives
/// each tensor in that order, and only `commit()` makes the output appear, atomically.
/// A writer dropped without `commit()` leaves nothing behind.
public protocol CheckpointWriter: AnyObject {
    func append(_ tensor: Tensor) throws
    /// Paths of the files made visible.
    func commit() throws -> [String]
}

extension CheckpointReader {
    /// Reads each of `selection` (every tensor by default) and returns its CRC-32, in order:
    /// proof that every byte is readable, and a fingerprint to compare checkpoints bit for bit.
    public func checksums(of selection: [TensorInfo]? = nil) throws -> [UInt32] {
        try (selection ?? tensors).map { info in
            let tensor = try tensor(named: info.name)
            defer { tensor.storage.releaseMappedPages() }  // checksummed: RSS stays near the largest tensor
            return tensor.withUnsafeBytes { CRC32.checksum($0) }
        }
    }
}

/// Whether `error` is one of the typed errors zoo's readers throw for bad or unsupported input,
/// as opposed to a bug.
public func isCheckpointInputError(_ error: Error) -> Bool {
    error is SafetensorsError || error is NumPyError || error is ZipError || error is PyTorchError || error is HDF5Error || error is TensorFlowError || error is CheckpointError
        || error is FileError || error is ShapeError
}
