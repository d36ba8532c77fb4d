import Tensors

/// Reads `torch.save` checkpoints — the zip format (`<name>/data.pkl` + `<name>/data/<key>`) and
/// the legacy format (five pickles, then the storages) — through the restricted `Unpickler`, so
/// no code in the file ever runs. Storage bytes are views into the mapped file; a contiguous
/// tensor is a zero-copy view, a strided one is gathered into a new buffer when read.
///
/// Tensors may sit anywhere in the pickled object (`{"model": state_dict, "epoch": 7}`): when they
/// all sit in one dictionary, that dictionary's keys name them and a warning says where they were.
public final class PyTorchReader: MappedCheckpointReader {
    public let path: String
    public let format: CheckpointFormat
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let warnings: [String]
    /// Where the tensors were found, as a dotted path ("" for the top level).
    public let container: String
    private let file: MappedFile
    private let storages: [String: Range<Int>]
    private let references: [String: TensorReference]

    public init(file: MappedFile) throws {
        self.file = file
        path = file.path
        let arena = PickleArena()
        defer { arena.clear() }
        let root: PickleValue
        var storages: [String: Range<Int>] = [:]
        if FormatDetector.isZip(file.bytes) {
            format = .pytorchZip
            let archive = try ZipArchive(file: file)
            guard let pickle = archive.entries.first(where: { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }) else {
                throw PyTorchError(file: path, .badStructure("a zip without data.pkl is not a PyTorch checkpoint"))
            }
            let prefix = String(pickle.name.dropLast("data.pkl".count))
            let limit = PickleLimit(storages: archive.entries.count { $0.name.hasPrefix(prefix + "data/") })
            arena.limit = limit
            if !pickle.isStored && pickle.uncompressedSize > limit.bytes {
                throw PyTorchError(file: path, offset: pickle.dataRange.lowerBound, .tooManyValues(
                    "'\(pickle.name)' inflates to \(pickle.uncompressedSize) bytes, more than the \(limit.bytes) bytes (\(PickleLimit.bytesPerValue) per value) that zoo lets a compressed pickle reach. " + limit.explanation))
            }
            if let order = archive.entry(named: prefix + "byteorder"), try archive.prefix(of: order, count: 16) != Array("little".utf8) {
                throw PyTorchError(file: path, offset: order.dataRange.lowerBound, .badStructure("big-endian checkpoints are not supported"))
            }
            let data = try archive.contents(of: pickle)
            var unpickler = Unpickler(bytes: data.bytes, file: path, base: pickle.dataRange.lowerBound, arena: arena) { id, at in
                let reference = try Self.storageReference(id, file: file.path, at: at)
                guard let entry = archive.entry(named: prefix + "data/" + reference.key) else {
                    throw PyTorchError(file: file.path, offset: at, .missingStorage(reference.key))
                }
                guard entry.isStored else {
                    throw PyTorchError(file: file.path, offset: entry.dataRange.lowerBound, .badStructure("storage '\(reference.key)' is compressed; torch.save stores storages"))
                }
                storages[reference.key] = entry.dataRange
                return .storage(reference)
            }
            root = try unpickler.load()
        } else {
            format = .pytorchLegacy
            (root, storages) = try Self.readLegacy(file, arena: arena)
        }
        self.storages = storages

        var search = TensorSearch(file: path)
        try search.collect(root, path: [], depth: 0)
        let found = search.found
        guard !found.isEmpty else { throw PyTorchError(file: path, .notAStateDict("the checkpoint holds no tensors")) }
        let containers = Set(found.map { $0.path.dropLast().joined(separator: ".") })
        container = containers.count == 1 ? containers.first! : ""
        let dropped = containers.count == 1 ? found[0].path.count - 1 : 0
        var infos: [TensorInfo] = [], references: [String: TensorReference] = [:]
        for (keyPath, reference) in found {
            let name = keyPath.dropFirst(dropped).joined(separator: ".")
            guard references[name] == nil else { throw PyTorchError(file: path, tensor: name, .badStructure("two tensors are named '\(name)'")) }
            try Self.validate(reference, storages: storages, file: path, name: name)
            references[name] = reference
            infos.append(TensorInfo(name: name, dtype: reference.dtype, shape: try Shape(reference.shape)))
        }
        tensors = infos
        self.references = references
        var warnings: [String] = []
        if !container.isEmpty { warnings.append("\(path): tensors found under '\(container)'") }
        if search.hiddenPaths > 0 {
            warnings.append("\(path): \(search.hiddenPaths) more paths lead to containers of tensors already found; each tensor is listed once, under the first path")
        }
        if infos.allSatisfy({ $0.name.hasPrefix("module.") }) {
            warnings.append("\(path): every tensor name starts with 'module.' (saved from a DataParallel/DDP wrapper)")
        }
        self.warnings = warnings
        metadata = Self.scalars(root)
    }

    /// Tensors under a training checkpoint's `optimizer` (or scheduler) key are its state, not the
    /// model's (`optimizer.state.0.exp_avg`).
    public func role(of name: String) -> TensorRole {
        TensorRole(checkpointKey: String(name.prefix { $0 != "." }))
    }

    /// The most bytes an expanded view (`torch.zeros(1).expand(n, n)`: strides of 0, or views
    /// overlapping in their storage) is materialised into when read. A view larger than its storage
    /// and than this is refused as unsupported: its file costs a few bytes, its tensor terabytes.
    public static let expandedViewLimit = 1 << 30

    public func tensor(named name: String) throws -> Tensor {
        guard let reference = references[name], let storage = storages[reference.storage.key] else {
            throw CheckpointError.noSuchTensor(file: path, tensor: name)
        }
        let dtype = reference.dtype, size = dtype.size
        let shape = try Shape(reference.shape)
        let window = TensorStorage(file: file, range: storage)
        if reference.strides == shape.contiguousStrides || shape.elements <= 1 {
            let start = reference.offset * size
            return try Tensor(dtype: dtype, shape: shape, storage: TensorStorage(slicing: window, range: start..<start + shape.elements * size))
        }
        // A strided view: gather its elements in C order, unless it is expanded far past its storage.
        let bytes = shape.elements * size
        if bytes > storage.count && bytes > Self.expandedViewLimit {
            throw PyTorchError(
                file: path, tensor: name,
                .expandedView(elements: shape.elements, stored: storage.count / size, bytes: bytes, limit: Self.expandedViewLimit))
        }
        return withExtendedLifetime(window) {
            Tensor.gathering(dtype: dtype, shape: shape, from: window.bytes, offset: reference.offset, strides: reference.strides)
        }
    }

    /// `('storage', storage_type, key, location, numel[, view_metadata])`, torch's persistent id.
    static func storageReference(_ id: PickleValue, file: String, at: Int) throws -> StorageReference {
        guard case .tuple(let fields, _) = id, fields.count >= 5, case .string("storage") = fields[0], case .global(let type) = fields[1],
            let dtype = Unpickler.storageTypes[type], case .int(let count) = fields[4], count >= 0
        else { throw PyTorchError(file: file, offset: at, .badStructure("a persistent id is not ('storage', type, key, location, numel)")) }
        let key: String
        switch fields[2] {
        case .string(let text): key = text
        case .int(let number): key = String(number)
        default: throw PyTorchError(file: file, offset: at, .badStructure("a storage key is \(fields[2].kind)"))
        }
        if fields.count > 5, case .tuple = fields[5] {
            throw PyTorchError(file: file, offset: at, .badStructure("storage views (torch < 0.4) are not supported"))
        }
        return StorageReference(key: key, dtype: dtype, count: count)
    }

    /// The legacy format: magic number, protocol version, system info, the object, the storage
    /// keys, then each storage as an 8-byte element count followed by its bytes.
    static func readLegacy(_ file: MappedFile, arena: PickleArena) throws -> (PickleValue, [String: Range<Int>]) {
        let path = file.path
        var position = 0
        var referenced: [String: StorageReference] = [:]
        func next() throws -> PickleValue {
            var unpickler = Unpickler(bytes: UnsafeRawBufferPointer(rebasing: file.bytes[position...]), file: path, base: position, arena: arena) { id, at in
                let reference = try storageReference(id, file: path, at: at)
                referenced[reference.key] = reference
                return .storage(reference)
            }
            let value = try unpickler.load()
            position += unpickler.position
            return value
        }
        guard case .bigInt(let magic) = try next(), magic == [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19] else {
            throw PyTorchError(file: path, offset: 0, .badStructure("not a torch.save legacy checkpoint (magic number differs)"))
        }
        guard case .int(1001) = try next() else { throw PyTorchError(file: path, offset: position, .badStructure("unknown legacy protocol version")) }
        _ = try next()  // system info: byte order and type sizes of the saving machine
        let root = try next()
        guard case .list(let keys) = try next() else { throw PyTorchError(file: path, offset: position, .badStructure("storage key list missing")) }
        var storages: [String: Range<Int>] = [:]
        for key in keys.items {
            guard case .string(let name) = key, let reference = referenced[name] else {
                throw PyTorchError(file: path, offset: position, .badStructure("storage key \(key.kind) is not referenced by the checkpoint"))
            }
            guard position + 8 <= file.count else { throw PyTorchError(file: path, offset: position, .truncated("storage '\(name)' header")) }
            let count = Int64(littleEndian: file.bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
            guard count == Int64(reference.count) else {
                throw PyTorchError(file: path, offset: position, .badStructure("storage '\(name)' records \(count) elements but is referenced with \(reference.count)"))
            }
            let (bytes, overflow) = Int(clamping: count).multipliedReportingOverflow(by: reference.dtype.size)
            guard count >= 0, !overflow, bytes <= file.count - position - 8 else {
                throw PyTorchError(file: path, tensor: nil, offset: position, .truncated("storage '\(name)' declares \(count) elements, more than the file holds"))
            }
            storages[name] = position + 8..<position + 8 + bytes
            position += 8 + bytes
        }
        return (root, storages)
    }

    /// Scalars at the top level (`epoch`, `best_acc`, …) as metadata.
    static func scalars(_ root: PickleValue) -> [String: String] {
        guard case .dict(let dict) = root else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in dict.entries {
            guard case .string(let name) = key else { continue }
            switch value {
            case .int(let number): result[name] = String(number)
            case .float(let number): result[name] = String(number)
            case .string(let text): result[name] = text
            case .bool(let flag): result[name] = String(flag)
            default: continue
            }
        }
        return result
    }

    /// A tensor's view must lie inside its storage.
    static func validate(_ reference: TensorReference, storages: [String: Range<Int>], file: String, name: String) throws {
        guard let storage = storages[reference.storage.key] else {
            throw PyTorchError(file: file, tensor: name, .missingStorage(reference.storage.key))
        }
        guard reference.shape.count == reference.strides.count, reference.shape.allSatisfy({ $0 >= 0 }),
            reference.strides.allSatisfy({ $0 >= 0 }), reference.offset >= 0
        else { throw PyTorchError(file: file, tensor: name, .badShape("size \(reference.shape), stride \(reference.strides), offset \(reference.offset)")) }
        // An expanded view's size is not bounded by its storage: its byte count must still fit in Int.
        guard (try? Shape(reference.shape).byteCount(reference.dtype)) != nil else {
            throw PyTorchError(file: file, tensor: name, .badShape("size \(reference.shape) holds more bytes than a 64-bit count"))
        }
        let available = storage.count / reference.dtype.size
        if reference.shape.contains(0) { return }
        var last = reference.offset
        for (dim, stride) in zip(reference.shape, reference.strides) {
            let (step, overflow1) = (dim - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = last.addingReportingOverflow(step)
            guard !overflow1, !overflow2 else { throw PyTorchError(file: file, tensor: name, .badShape("size \(reference.shape) × stride \(reference.strides) overflows")) }
            last = sum
        }
        guard last < available else {
            throw PyTorchError(file: file, tensor: name, .storageTooSmall(storage: reference.storage.key, needed: last + 1, available: available))
        }
    }
}
