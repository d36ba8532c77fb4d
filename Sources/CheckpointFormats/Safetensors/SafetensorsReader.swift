import Tensors

/// Reads a safetensors file through a memory map: opening parses and validates only the header,
/// and each tensor is a zero-copy view into the mapped file.
public final class SafetensorsReader: MappedCheckpointReader {
    public let path: String
    public let header: SafetensorsHeader
    public let format = CheckpointFormat.safetensors
    public let warnings: [String] = []
    private let file: MappedFile
    private let dataStart: Int
    private let index: [String: SafetensorsHeader.Entry]

    public init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        self.file = file
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw SafetensorsError(file: path, offset: 0, .tooShort(size: bytes.count)) }
        let length = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(SafetensorsHeader.maxHeaderLength) else {
            throw SafetensorsError(file: path, offset: 0, .headerTooLarge(length: length, limit: SafetensorsHeader.maxHeaderLength))
        }
        guard length <= UInt64(bytes.count - 8) else {
            throw SafetensorsError(file: path, offset: 0, .headerOutsideFile(length: length, fileSize: bytes.count))
        }
        dataStart = 8 + Int(length)
        header = try SafetensorsHeader.parse(
            json: UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]), dataSize: bytes.count - dataStart, file: path)
        index = Dictionary(header.entries.map { ($0.info.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var tensors: [TensorInfo] { header.entries.map(\.info) }
    public var metadata: [String: String] { header.metadata }

    /// Absolute byte range of a tensor's data in the file.
    public func fileRange(of name: String) -> Range<Int>? {
        index[name].map { dataStart + $0.range.lowerBound..<dataStart + $0.range.upperBound }
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let entry = index[name], let range = fileRange(of: name) else {
            throw CheckpointError.noSuchTensor(file: path, tensor: name)
        }
        return try Tensor(dtype: entry.info.dtype, shape: entry.info.shape, storage: TensorStorage(file: file, range: range))
    }

    /// Asks the kernel to read ahead for a front-to-back scan of every tensor.
    public func adviseSequential() { file.adviseSequential() }
}
