import Tensors

/// Turns a parsed header plus its data bytes into a C-ordered little-endian tensor: zero-copy
/// when the file already is, a converted copy for big-endian or Fortran-ordered arrays.
enum NpyArray {
    /// The data after `header` in `storage` (which starts with the header), checked for length.
    static func tensor(_ header: NpyHeader, in storage: TensorStorage, file: String, tensor name: String, base: Int) throws -> Tensor {
        try header.checkDataSize(available: storage.bytes.count - header.dataOffset, file: file, tensor: name, base: base)
        let data = TensorStorage(slicing: storage, range: header.dataOffset..<storage.bytes.count)
        if !header.fortranOrder {
            let raw = try Tensor(dtype: header.dtype, shape: header.shape, storage: data)
            return header.bigEndian ? raw.byteSwapped() : raw
        }
        // Fortran order: the bytes are the C-order array of the reversed shape, transposed.
        let reversed = try Tensor(dtype: header.dtype, shape: Shape(header.shape.dims.reversed()), storage: data)
        let swapped = header.bigEndian ? reversed.byteSwapped() : reversed
        return swapped.permuted(Array((0..<header.shape.rank).reversed()))
    }
}

/// A single `.npy` file as a one-tensor checkpoint, the tensor named after the file.
public final class NpyReader: MappedCheckpointReader {
    public let path: String
    public let format = CheckpointFormat.npy
    public let tensors: [TensorInfo]
    public let metadata: [String: String] = [:]
    public let warnings: [String] = []
    private let file: MappedFile
    private let header: NpyHeader

    public init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        self.file = file
        let name = Self.tensorName(path)
        header = try NpyHeader.parse(file.bytes, file: path, tensor: name)
        // Checked now, not only when read, so a truncated array fails `zoo inspect` too.
        try header.checkDataSize(available: file.count - header.dataOffset, file: path, tensor: name, base: 0)
        tensors = [TensorInfo(name: name, dtype: header.dtype, shape: header.shape)]
    }

    /// `dir/conv1.weight.npy` → `conv1.weight`.
    static func tensorName(_ path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.lowercased().hasSuffix(".npy") ? String(base.dropLast(4)) : base
    }

    public func tensor(named name: String) throws -> Tensor {
        guard name == tensors[0].name else { throw CheckpointError.noSuchTensor(file: path, tensor: name) }
        return try NpyArray.tensor(header, in: TensorStorage(file: file, range: 0..<file.count), file: path, tensor: name, base: 0)
    }
}

/// An `.npz` archive: each `NAME.npy` member is the tensor `NAME`. Stored members are mapped in
/// place; deflated ones are inflated when read. Every member's CRC is checked when it is read.
public final class NpzReader: MappedCheckpointReader {
    public let path: String
    public let format = CheckpointFormat.npz
    public let tensors: [TensorInfo]
    public let metadata: [String: String] = [:]
    public let warnings: [String]
    private let archive: ZipArchive
    private let members: [String: (ZipEntry, NpyHeader)]

    public init(file: MappedFile) throws {
        let path = file.path
        self.path = path
        archive = try ZipArchive(file: file)
        var tensors: [TensorInfo] = [], members: [String: (ZipEntry, NpyHeader)] = [:], skipped: [String] = []
        for entry in archive.entries {
            guard entry.name.hasSuffix(".npy") else {
                skipped.append(entry.name)
                continue
            }
            let name = String(entry.name.dropLast(4))
            let header = try Self.header(of: entry, in: archive, name: name)
            guard members[name] == nil else {
                throw ZipError(file: path, offset: entry.dataRange.lowerBound, .badCentralDirectory("member '\(entry.name)' appears twice"))
            }
            members[name] = (entry, header)
            tensors.append(TensorInfo(name: name, dtype: header.dtype, shape: header.shape))
        }
        self.tensors = tensors
        self.members = members
        warnings = skipped.isEmpty ? [] : ["\(path): ignored members that are not .npy arrays: \(skipped.joined(separator: ", "))"]
    }

    /// Reads just enough of a member to parse its header (inflating only a prefix).
    private static func header(of entry: ZipEntry, in archive: ZipArchive, name: String) throws -> NpyHeader {
        let file = archive.path, base = entry.dataRange.lowerBound
        let lead = try archive.prefix(of: entry, count: 12)
        // The header length sits at bytes 8..<10 (v1) or 8..<12 (v2, v3); read that much more.
        var length = 12
        if lead.count >= 10, Array(lead.prefix(6)) == NpyHeader.magic {
            length = lead[6] == 1 ? 10 + Int(lead[8]) + Int(lead[9]) << 8
                : lead.count >= 12 ? 12 + lead[8...11].reversed().reduce(0) { $0 << 8 | Int($1) } : 12
        }
        let prefix = try archive.prefix(of: entry, count: length)
        let header = try prefix.withUnsafeBytes { try NpyHeader.parse($0, file: file, tensor: name, base: base) }
        // Against the size the directory declares. A deflated member's stream is checked against
        // that size when inflated, and a larger declaration may be the directory's lie: only a
        // size too small for the header's shape is refused here.
        let declared = entry.uncompressedSize - header.dataOffset
        try header.checkDataSize(available: entry.isStored ? declared : min(declared, header.dataSize), file: file, tensor: name, base: base)
        return header
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let (entry, header) = members[name] else { throw CheckpointError.noSuchTensor(file: path, tensor: name) }
        return try NpyArray.tensor(header, in: archive.contents(of: entry), file: path, tensor: name, base: entry.dataRange.lowerBound)
    }
}
