import CHDF5
import Foundation
import Tensors

/// Reads HDF5 checkpoints through libhdf5: Keras's legacy layout (`layer_names` / `weight_names`
/// attributes, weights-only or under `model_weights` in a whole-model file, optimizer state under
/// `optimizer_weights`), Keras 3 `.weights.h5` (`layers/<name>/vars/<i>`), or any other HDF5 file
/// (every numeric dataset, named by its path). Contiguous, unfiltered little-endian datasets are
/// zero-copy views of the mapped file; chunked, compressed or big-endian ones are read by libhdf5.
public final class HDF5Reader: MappedCheckpointReader, @unchecked Sendable {
    public enum Layout: String, Sendable, Codable {
        case kerasLegacy = "keras-legacy"
        case keras3
        case plain
    }

    /// A tensor: what it is, where it lives and what Keras calls it.
    public struct Entry: Sendable, Codable {
        public let info: TensorInfo
        public let hdf5Path: String
        public let kerasLayer: String?
        public let kerasWeight: String?
        public let role: TensorRole
        /// Its bytes in the file, when they can be mapped in place.
        let mapped: Range<Int>?
    }

    public let path: String
    public let format = CheckpointFormat.hdf5
    public let layout: Layout
    public let tensors: [TensorInfo]
    public let entries: [String: Entry]
    public let metadata: [String: String]
    public let warnings: [String]
    private let file: MappedFile
    /// Opened (under the library lock) when a tensor needs libhdf5: chunked, filtered,
    /// big-endian or compact data. Files whose data all maps never open libhdf5 here.
    private var handle: HDF5Handle?

    public init(file: MappedFile) throws {
        self.file = file
        path = file.path
        // libhdf5 trusts the metadata it decodes, and some malformed files crash it: the probe
        // process parses the file (and decodes its data) and sends back the listing.
        let listing: HDF5Listing
        var notes: [String] = []
        switch try HDF5Sandbox.list(file) {
        case .listed(let probed):
            listing = probed
        case .unavailable:
            (handle, listing) = try HDF5Library.locked { try Self.scan(file) }
            notes.append("parsed without zoo-hdf5-probe (not found beside the executable); a malformed file could crash this process")
        }
        // Mapped ranges come from another process: they must fit this file (which could have
        // changed in between) before anything maps them.
        for entry in listing.tensors {
            if let range = entry.mapped, range.lowerBound < 0 || range.upperBound > file.count || range.count != entry.info.byteCount {
                throw HDF5Error(file: path, tensor: entry.info.name, .badObject("its data range \(range) does not fit the file (changed while being read?)"))
            }
        }
        layout = listing.layout
        tensors = listing.tensors.map(\.info)
        entries = Dictionary(uniqueKeysWithValues: listing.tensors.map { ($0.info.name, $0) })
        metadata = listing.metadata
        warnings = (listing.warnings + notes).map { "\(file.path): \($0)" }
    }

    /// What `zoo-hdf5-probe FILE` prints (as JSON): the file's listing, after decoding every
    /// tensor libhdf5 must decode (the rest are mapped in place), or why it was refused. This is
    /// where libhdf5 meets an untrusted file, so only the probe's own process calls it.
    public static func probeReport(path: String) -> Data {
        var report = HDF5ProbeReport()
        do {
            report.listing = try HDF5Library.locked {
                let file = try MappedFile(path: path)
                let (handle, listing) = try scan(file)
                let limit = HDF5ProbeMemory.limit()
                for entry in listing.tensors where entry.mapped == nil {
                    guard entry.info.byteCount <= limit else {
                        throw HDF5Error(file: path, tensor: entry.info.name, .probeMemoryLimit(bytes: entry.info.byteCount, limit: limit))
                    }
                    _ = try read(entry, in: handle, file: path)
                }
                return listing
            }
        } catch let error as HDF5Error {
            report.refusal = HDF5ProbeReport.Refusal(problem: error.problem, tensor: error.tensor, offset: error.offset)
        } catch {
            report.refusal = HDF5ProbeReport.Refusal(problem: .badObject("\(error)"), tensor: nil, offset: nil)
        }
        return (try? JSONEncoder().encode(report)) ?? Data()
    }

    public func role(of name: String) -> TensorRole { entries[name]?.role ?? .weight }

    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw CheckpointError.noSuchTensor(file: path, tensor: name) }
        if let range = entry.mapped {
            return try Tensor(dtype: entry.info.dtype, shape: entry.info.shape, storage: TensorStorage(file: file, range: range))
        }
        return try HDF5Library.locked {
            if handle == nil { handle = try Self.open(file) }
            return try Self.read(entry, in: handle!, file: path)
        }
    }

    /// The file's layout and tensors, in zoo's order, and the open file.
    private static func scan(_ file: MappedFile) throws -> (handle: HDF5Handle, listing: HDF5Listing) {
        let handle = try open(file)
        let scope = HDF5Scope()
        defer { scope.close() }
        var scan = Scan(file: file, scope: scope)
        let root = try scan.group(handle.id, "/", path: "/")
        let layout: Layout
        var metadata: [String: String] = [:]
        if try scan.hasAttribute(root, "layer_names") {
            layout = .kerasLegacy
            try scan.legacyWeights(root, prefix: "", role: .weight)
            metadata = try scan.kerasMetadata(root)
        } else if try scan.isGroup(root, "model_weights"), case let weights = try scan.group(root, "model_weights", path: "model_weights"),
            try scan.hasAttribute(weights, "layer_names") {
            layout = .kerasLegacy
            try scan.legacyWeights(weights, prefix: "model_weights/", role: .weight)
            if try scan.isGroup(root, "optimizer_weights") {
                let optimizer = try scan.group(root, "optimizer_weights", path: "optimizer_weights")
                try scan.namedWeights(optimizer, prefix: "optimizer_weights/", layer: nil, role: .optimizer)
            }
            metadata = try scan.kerasMetadata(weights)
        } else {
            layout = try scan.isGroup(root, "layers") ? .keras3 : .plain
            try scan.everyDataset(root, path: "", depth: 0, keras3: layout == .keras3)
        }
        return (handle, HDF5Listing(layout: layout, tensors: scan.items, metadata: metadata, warnings: scan.warnings))
    }

    /// A dataset read by libhdf5 (chunked, compressed, big-endian or compact data).
    private static func read(_ entry: Entry, in handle: HDF5Handle, file: String) throws -> Tensor {
        let info = entry.info
        let scope = HDF5Scope()
        defer { scope.close() }
        let dataset = scope.own(H5Dopen2(handle.id, entry.hdf5Path, HDF5Library.HardLinksOnly(in: scope).datasets), H5Dclose)
        guard dataset >= 0 else { throw HDF5Error(file: file, tensor: info.name, .badObject(HDF5Library.takeErrors())) }
        let memoryType = HDF5Types.memoryType(reading: scope.own(H5Dget_type(dataset), H5Tclose), in: scope)
        let tensor = try Tensor(zeros: info.dtype, shape: info.shape)
        if info.byteCount > 0 {
            let status = H5Dread(dataset, memoryType, zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), tensor.storage.mutableBytes.baseAddress)
            guard status >= 0 else { throw HDF5Error(file: file, tensor: info.name, .readFailed(HDF5Library.takeErrors())) }
        }
        return tensor
    }

    /// Opens the file read-only: by path when it is on disk, else from the bytes in memory.
    private static func open(_ file: MappedFile) throws -> HDF5Handle {
        let scope = HDF5Scope()
        defer { scope.close() }
        let access = scope.own(HDF5Library.unlockedFileAccess(), H5Pclose)
        if !file.isFileBacked {
            H5Pset_fapl_core(access, 1 << 16, false)
            H5Pset_file_image(access, UnsafeMutableRawPointer(mutating: file.bytes.baseAddress), file.count)
        }
        let handle = HDF5Handle(H5Fopen(file.path, zoo_h5f_acc_rdonly(), access), close: H5Fclose)
        guard handle.valid else { throw HDF5Error(file: file.path, .openFailed(HDF5Library.takeErrors())) }
        return handle
    }
}

/// One pass over an open file, collecting tensors in zoo's order. Runs under the library lock.
private struct Scan {
    let file: MappedFile
    /// Owns every object the scan opens; closed by the caller when the scan is done.
    let scope: HDF5Scope
    let access: HDF5Library.HardLinksOnly
    var items: [HDF5Reader.Entry] = []
    private var names: Set<String> = []
    var warnings: [String] = []
    /// Objects visited, so a file whose links loop cannot keep the scan going.
    private var visited = 0
    /// Groups already listed (by libhdf5 object identity): a link back to one is not followed.
    private var groupsSeen: Set<[UInt64]> = []

    init(file: MappedFile, scope: HDF5Scope) {
        self.file = file
        self.scope = scope
        access = HDF5Library.HardLinksOnly(in: scope)
    }

    private var path: String { file.path }

    func fail(_ problem: HDF5Problem, tensor: String? = nil) -> HDF5Error { HDF5Error(file: path, tensor: tensor, problem) }

    func group(_ location: hid_t, _ name: String, path objectPath: String) throws -> hid_t {
        let group = scope.own(H5Gopen2(location, name, access.groups), H5Gclose)
        guard group >= 0 else { throw fail(.badObject("group '\(objectPath)': \(HDF5Library.takeErrors())")) }
        return group
    }

    func hasAttribute(_ object: hid_t, _ name: String) throws -> Bool {
        let exists = H5Aexists(object, name)
        guard exists >= 0 else { throw fail(.badObject("attribute '\(name)': \(HDF5Library.takeErrors())")) }
        if exists > 0 { return true }
        let first = H5Aexists(object, name + "0")  // Keras splits long lists into name0, name1, …
        guard first >= 0 else { throw fail(.badObject("attribute '\(name)0': \(HDF5Library.takeErrors())")) }
        return first > 0
    }

    /// Whether `name` in `group` is a hard link to a group.
    func isGroup(_ group: hid_t, _ name: String) throws -> Bool {
        try kind(group, name) == H5I_GROUP
    }

    /// The object type `name` in `location` links to, or nil for a missing path, one that passes
    /// through something other than a group, or one with a soft or external link at any step:
    /// Keras's `weight_names` are paths (`dense/kernel:0`), and an external link on the way would
    /// open another HDF5 file. A step libhdf5 cannot look up (a corrupted group) is an error,
    /// never taken for a missing name: that would drop the tensors below it without a word.
    func kind(_ location: hid_t, _ name: String) throws -> H5I_type_t? {
        let components = name.split(separator: "/")
        guard !components.isEmpty else { return nil }
        var step = name.hasPrefix("/") ? "/" : ""
        for (index, component) in components.enumerated() {
            step += (step.isEmpty || step.hasSuffix("/") ? "" : "/") + component
            let exists = H5Lexists(location, step, access.links)
            guard exists >= 0 else { throw fail(.badObject("cannot look up '\(step)': \(HDF5Library.takeErrors())")) }
            guard exists > 0 else { return nil }
            let hard = zoo_h5l_is_hard(location, step, access.links)
            guard hard >= 0 else { throw fail(.badObject("cannot read the link '\(step)': \(HDF5Library.takeErrors())")) }
            guard hard == 1 else { return nil }
            if index < components.count - 1, try objectType(location, step) != H5I_GROUP { return nil }
        }
        return try objectType(location, name)
    }

    /// The type of the object at `name` (a group, dataset or committed datatype).
    private func objectType(_ location: hid_t, _ name: String) throws -> H5I_type_t {
        let object = H5Oopen(location, name, access.links)
        guard object >= 0 else { throw fail(.badObject("'\(name)': \(HDF5Library.takeErrors())")) }
        defer { H5Oclose(object) }
        let type = H5Iget_type(object)
        guard type != H5I_BADID else { throw fail(.badObject("'\(name)': \(HDF5Library.takeErrors())")) }
        return type
    }

    /// A string-list attribute (fixed or variable length; Keras's split `name0`, `name1`, … joined).
    func strings(_ object: hid_t, _ name: String) throws -> [String] {
        func exists(_ attribute: String) throws -> Bool {
            let found = H5Aexists(object, attribute)
            guard found >= 0 else { throw fail(.badObject("attribute '\(attribute)': \(HDF5Library.takeErrors())")) }
            return found > 0
        }
        if try exists(name) { return try attributeStrings(object, name, list: true) }
        var result: [String] = []
        var index = 0
        while try exists("\(name)\(index)") {
            result += try attributeStrings(object, "\(name)\(index)", list: true)
            index += 1
        }
        return result
    }

    /// The strings of an attribute: a 1-D list when `list`, else a single (scalar) value.
    private func attributeStrings(_ object: hid_t, _ name: String, list: Bool) throws -> [String] {
        let attribute = scope.own(H5Aopen(object, name, zoo_h5p_default()), H5Aclose)
        guard attribute >= 0 else { throw fail(.badObject("attribute '\(name)': \(HDF5Library.takeErrors())")) }
        let space = scope.own(H5Aget_space(attribute), H5Sclose)
        let count = Int(H5Sget_simple_extent_npoints(space))
        guard count >= 0 else { throw fail(.badObject("attribute '\(name)': \(HDF5Library.takeErrors())")) }
        // Keras writes an empty float array for a layer without weights.
        if count == 0 { return [] }
        if list && (H5Sget_simple_extent_type(space) != H5S_SIMPLE || H5Sget_simple_extent_ndims(space) != 1) {
            throw fail(.badKerasLayout("attribute '\(name)' is not a one-dimensional list"))
        }
        let type = scope.own(H5Aget_type(attribute), H5Tclose)
        guard H5Tget_class(type) == H5T_STRING else { throw fail(.badKerasLayout("attribute '\(name)' is not a list of strings")) }
        if H5Tis_variable_str(type) > 0 {
            let memory = scope.own(H5Tcopy(zoo_h5t_c_s1()), H5Tclose)
            H5Tset_size(memory, zoo_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute, memory, &pointers) >= 0 else {
                throw fail(.badObject("attribute '\(name)': \(HDF5Library.takeErrors())"))
            }
            defer { pointers.forEach { if let pointer = $0 { H5free_memory(pointer) } } }
            return pointers.map { $0.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? "" }
        }
        let size = H5Tget_size(type)
        let (total, overflow) = size.multipliedReportingOverflow(by: count)
        guard size > 0, !overflow, total <= 1 << 26 else { throw fail(.badKerasLayout("attribute '\(name)' is implausibly large")) }
        var bytes = [UInt8](repeating: 0, count: total)
        guard H5Aread(attribute, type, &bytes) >= 0 else { throw fail(.badObject("attribute '\(name)': \(HDF5Library.takeErrors())")) }
        let spacePadded = H5Tget_strpad(type) == H5T_STR_SPACEPAD
        return (0..<count).map { index in
            var element = bytes[index * size..<(index + 1) * size]
            if let end = element.firstIndex(of: 0) { element = element[..<end] }
            if spacePadded { while element.last == 0x20 { element = element.dropLast() } }
            return String(decoding: element, as: UTF8.self)
        }
    }

    /// `backend` and `keras_version`, where present and readable.
    func kerasMetadata(_ group: hid_t) throws -> [String: String] {
        var metadata: [String: String] = [:]
        for key in ["backend", "keras_version"] where H5Aexists(group, key) > 0 {
            if let value = try? attributeStrings(group, key, list: false).first { metadata[key] = value }
        }
        H5Eclear2(zoo_h5e_default())
        return metadata
    }

    /// Legacy layout: each layer of `layer_names`, each of its `weight_names`.
    mutating func legacyWeights(_ base: hid_t, prefix: String, role: TensorRole) throws {
        for layer in try strings(base, "layer_names") {
            guard try kind(base, layer) == H5I_GROUP else {
                throw fail(.badKerasLayout("layer_names lists '\(layer)' but \(prefix)\(layer) is not a group"))
            }
            let group = try self.group(base, layer, path: prefix + layer)
            // A layer without weight_names has no weights, as Keras's loader reads it. But Keras
            // writes the attribute for every layer ([] when it has no weights): a layer group that
            // holds objects without it has lost it, and its weights would be dropped without a word.
            guard try hasAttribute(group, "weight_names") else {
                var info = H5G_info_t()
                guard H5Gget_info(group, &info) >= 0 else { throw fail(.badObject("group '\(prefix)\(layer)': \(HDF5Library.takeErrors())")) }
                if info.nlinks > 0 { throw fail(.badKerasLayout("layer '\(layer)' holds \(info.nlinks) object(s) but has no weight_names attribute")) }
                continue
            }
            try namedWeights(group, prefix: prefix + layer + "/", layer: layer, role: role)
        }
    }

    /// The datasets a group's `weight_names` attribute lists.
    mutating func namedWeights(_ group: hid_t, prefix: String, layer: String?, role: TensorRole) throws {
        for weight in try strings(group, "weight_names") {
            let name = layer.map { KerasNaming.tensorName(layer: $0, weight: weight) } ?? prefix + weight
            guard try kind(group, weight) == H5I_DATASET else {
                throw fail(.badKerasLayout("weight_names lists '\(weight)' but \(prefix)\(weight) is not a dataset"), tensor: name)
            }
            try add(name, location: group, linkName: weight, hdf5Path: prefix + weight, layer: layer, weight: weight, role: role, skipUnsupported: false)
        }
    }

    /// Every dataset below `group`, children in `KerasNaming.childOrder`; non-numeric ones are skipped.
    mutating func everyDataset(_ group: hid_t, path prefix: String, depth: Int, keras3: Bool) throws {
        guard depth < 64 else { throw fail(.badObject("groups nested more than 64 deep (or a link cycle) at '\(prefix)'")) }
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else { throw fail(.badObject("group '\(prefix)': \(HDF5Library.takeErrors())")) }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, access.links)
            guard length >= 0, length < 1 << 16 else { throw fail(.badObject("link \(index) of '\(prefix)': \(HDF5Library.takeErrors())")) }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, access.links) == length else {
                throw fail(.badObject("link \(index) of '\(prefix)': \(HDF5Library.takeErrors())"))
            }
            guard let name = String(validating: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) else {
                throw fail(.badObject("link \(index) of \(groupDescription(prefix)) has a name that is not UTF-8"))
            }
            // A name the group lists but cannot find again: its index or name heap is corrupted,
            // and skipping the link would drop what is below it without a word.
            guard H5Lexists(group, name, access.links) > 0 else {
                throw fail(.badObject("\(groupDescription(prefix)) lists a link '\(name)' that it cannot look up: \(HDF5Library.takeErrors())"))
            }
            names.append(name)
        }
        for name in names.sorted(by: KerasNaming.childOrder) {
            visited += 1
            guard visited < 200_000 else { throw fail(.badObject("more than 200,000 objects")) }
            let full = prefix + name
            switch try kind(group, name) {
            case H5I_GROUP?:
                var identity: [UInt64] = [0, 0]
                guard zoo_h5o_identity(group, name, access.links, &identity) >= 0 else {
                    throw fail(.badObject("group '\(full)': \(HDF5Library.takeErrors())"))
                }
                guard groupsSeen.insert(identity).inserted else { continue }  // a hard-link cycle or a second name
                try everyDataset(try self.group(group, name, path: full), path: full + "/", depth: depth + 1, keras3: keras3)
            case H5I_DATASET?:
                let parts = keras3 ? KerasNaming.keras3Parts(full) : nil
                let role: TensorRole = keras3 && full.hasPrefix("optimizer/") ? .optimizer : .weight
                try add(full, location: group, linkName: name, hdf5Path: full, layer: parts?.layer, weight: parts?.weight, role: role, skipUnsupported: true)
            default:
                continue  // soft and external links, committed datatypes
            }
        }
    }

    /// "the root group" or "group 'a/b'" for the group whose members are named `prefix` + name.
    private func groupDescription(_ prefix: String) -> String { prefix.isEmpty ? "the root group" : "group '\(prefix.dropLast())'" }

    /// Inspects one dataset and records it as tensor `name`.
    mutating func add(
        _ name: String, location: hid_t, linkName: String, hdf5Path: String, layer: String?, weight: String?, role: TensorRole, skipUnsupported: Bool
    ) throws {
        guard !names.contains(name) else { throw fail(.badKerasLayout("two weights are named '\(name)'"), tensor: name) }
        let dataset = scope.own(H5Dopen2(location, linkName, access.datasets), H5Dclose)
        guard dataset >= 0 else { throw fail(.badObject("dataset '\(hdf5Path)': \(HDF5Library.takeErrors())"), tensor: name) }
        let type = scope.own(H5Dget_type(dataset), H5Tclose)
        guard type >= 0 else { throw fail(.badObject(HDF5Library.takeErrors()), tensor: name) }
        let dtype: DType
        switch HDF5Types.dtype(of: type) {
        case .success(let found): dtype = found
        case .failure(let unsupported):
            H5Eclear2(zoo_h5e_default())
            if unsupported.malformed { throw fail(.badObject("dataset '\(hdf5Path)' has \(unsupported.what)"), tensor: name) }
            if skipUnsupported {
                warnings.append("skipped dataset '\(hdf5Path)' (\(unsupported.what))")
                return
            }
            throw fail(.unsupportedType("'\(hdf5Path)' holds \(unsupported.what)"), tensor: name)
        }
        let shape = try shape(of: dataset, name: name)
        let bytes: Int
        do { bytes = try shape.byteCount(dtype) } catch { throw fail(.badShape("\(shape) of \(dtype.rawValue) overflows"), tensor: name) }
        try refuseDataOutsideFile(dataset, hdf5Path: hdf5Path, name: name)
        let mapped = try mappedRange(dataset, type: type, bytes: bytes, name: name)
        if mapped == nil {
            // libhdf5 will allocate and fill: a file may declare a huge dataset it does not store.
            // Only bytes inside this file count (external storage is refused above, but be strict).
            let stored = min(Int(clamping: H5Dget_storage_size(dataset)), file.count)
            guard bytes <= max(stored.multipliedReportingOverflow(by: 1100).partialValue, 1 << 20) else {
                throw fail(.badShape("declares \(bytes) bytes of data but stores \(stored)"), tensor: name)
            }
        }
        names.insert(name)
        items.append(HDF5Reader.Entry(
            info: TensorInfo(name: name, dtype: dtype, shape: shape), hdf5Path: hdf5Path, kerasLayer: layer, kerasWeight: weight, role: role,
            mapped: mapped))
    }

    /// Refuses a dataset whose raw data lives in other files: external raw storage (any file
    /// the path names, `/etc/passwd` or `/dev/zero` included) or a virtual dataset (drawn from
    /// datasets of other HDF5 files). Checked on the creation property list, before any data is read.
    private func refuseDataOutsideFile(_ dataset: hid_t, hdf5Path: String, name: String) throws {
        let creation = scope.own(H5Dget_create_plist(dataset), H5Pclose)
        guard creation >= 0 else { throw fail(.badObject("dataset '\(hdf5Path)': \(HDF5Library.takeErrors())"), tensor: name) }
        if H5Pget_layout(creation) == H5D_VIRTUAL {
            throw fail(.dataInOtherFiles("dataset '\(hdf5Path)' is virtual (its data comes from other HDF5 files)"), tensor: name)
        }
        let external = H5Pget_external_count(creation)
        guard external >= 0 else { throw fail(.badObject("dataset '\(hdf5Path)': \(HDF5Library.takeErrors())"), tensor: name) }
        if external > 0 {
            var first = [CChar](repeating: 0, count: 256), offset = off_t(0), size = hsize_t(0)
            H5Pget_external(creation, 0, first.count - 1, &first, &offset, &size)
            let file = String(decoding: first.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw fail(.dataInOtherFiles("dataset '\(hdf5Path)' keeps its data in \(external) external file(s), the first '\(file)'"), tensor: name)
        }
    }

    private func shape(of dataset: hid_t, name: String) throws -> Shape {
        let space = scope.own(H5Dget_space(dataset), H5Sclose)
        guard space >= 0 else { throw fail(.badObject(HDF5Library.takeErrors()), tensor: name) }
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_NULL: return [0]
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0, rank <= 32 else { throw fail(.badShape("rank \(rank)"), tensor: name) }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            H5Sget_simple_extent_dims(space, &dims, nil)
            guard dims.allSatisfy({ $0 <= hsize_t(Int.max) }) else { throw fail(.badShape("dimensions \(dims)"), tensor: name) }
            do { return try Shape(dims.map { Int($0) }) } catch { throw fail(.badShape("dimensions \(dims)"), tensor: name) }
        default:
            throw fail(.badShape("unknown dataspace"), tensor: name)
        }
    }

    /// The file bytes of a contiguous, unfiltered, little-endian dataset whose data is allocated.
    /// Any contiguous data must lie inside the file: libhdf5 1.10 reads past the end as zeros.
    private func mappedRange(_ dataset: hid_t, type: hid_t, bytes: Int, name: String) throws -> Range<Int>? {
        let creation = scope.own(H5Dget_create_plist(dataset), H5Pclose)
        guard creation >= 0, H5Pget_layout(creation) == H5D_CONTIGUOUS, H5Pget_nfilters(creation) == 0 else {
            H5Eclear2(zoo_h5e_default())
            return nil
        }
        let address = H5Dget_offset(dataset)
        H5Eclear2(zoo_h5e_default())
        guard address != zoo_haddr_undef(), bytes > 0 else { return nil }
        guard address <= UInt64(file.count), bytes <= file.count - Int(address) else {
            throw fail(.dataOutsideFile(address: Int(clamping: address), bytes: bytes, fileSize: file.count), tensor: name)
        }
        // Addresses are relative to the superblock; map only files without a user block before it.
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        guard file.bytes.starts(with: signature), H5Tget_size(type) == 1 || H5Tget_order(type) == H5T_ORDER_LE else { return nil }
        return Int(address)..<Int(address) + bytes
    }
}
