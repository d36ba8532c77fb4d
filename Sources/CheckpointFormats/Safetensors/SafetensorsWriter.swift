import Tensors

/// Writes one safetensors file, streaming: the header is computed from the tensor list given
/// up front, then each tensor's bytes go straight to a temporary file that `commit()` renames.
public final class SafetensorsWriter: CheckpointWriter {
    private let output: AtomicFile
    private let header: SafetensorsHeader
    private var next = 0
    /// Where the tensors' bytes begin in the file.
    private let dataStart: Int

    public init(path: String, tensors: [TensorInfo], metadata: [String: String] = [:]) throws {
        header = SafetensorsHeader(laying: tensors, metadata: metadata)
        let encoded = header.encoded()
        // The 8-byte length prefix could say more, but readers (zoo's, the reference one) refuse a longer header.
        guard encoded.count - 8 <= SafetensorsHeader.maxHeaderLength else {
            throw CheckpointError.unsupportedOutput(
                file: path, reason: "the safetensors header would take \(encoded.count - 8) bytes; readers accept at most \(SafetensorsHeader.maxHeaderLength) (the tensor names are too long)")
        }
        output = try AtomicFile(destination: path)
        try output.write(encoded)
        dataStart = encoded.count
    }

    public func append(_ tensor: Tensor) throws {
        precondition(next < header.entries.count, "more tensors appended than announced")
        let expected = header.entries[next].info
        precondition(expected.dtype == tensor.dtype && expected.shape == tensor.shape, "tensor differs from the announced '\(expected.name)'")
        try tensor.withUnsafeBytes { try output.write($0) }
        next += 1
    }

    /// Lays out every announced tensor at once, zero-filled (sparse where the file system allows),
    /// so their bytes can then be written in any order with `write(_:into:at:)`: for producers that
    /// make all the tensors a slice at a time, without holding any of them whole.
    public func reserveAll() throws {
        precondition(next == 0, "reserveAll after tensors were appended")
        try output.reserve(header.dataSize)
        next = header.entries.count
    }

    /// Writes `bytes` into announced tensor `index`, `offset` bytes from its start (after `reserveAll()`).
    public func write(_ bytes: UnsafeRawBufferPointer, into index: Int, at offset: Int) throws {
        let range = header.entries[index].range
        precondition(next == header.entries.count && offset >= 0 && offset + bytes.count <= range.count, "a write outside tensor \(index)")
        try output.patch(at: dataStart + range.lowerBound + offset, bytes)
    }

    public func commit() throws -> [String] {
        precondition(next == header.entries.count, "committed before every announced tensor was appended")
        try output.commit()
        return [output.destination]
    }
}
