import CHDF5
import Tensors

/// Writes HDF5 through libhdf5, in one of two layouts, each tensor a dataset written as it
/// arrives (contiguous, or chunked with shuffle + gzip when compressing); the file appears
/// atomically on commit.
/// - `kerasLegacy` (`.h5`): Keras's legacy weights file, loadable with `model.load_weights`:
///   root attributes `layer_names`, `backend`, `keras_version`; a group per layer (grouped by
///   `KerasNaming.layer(of:)`) whose `weight_names` attribute lists its datasets in order.
/// - `paths` (`.weights.h5`): each tensor name is its dataset's path, as Keras 3 names them
///   (`layers/dense/vars/0`).
public final class HDF5Writer: CheckpointWriter {
    public enum Layout: Sendable {
        case kerasLegacy
        case paths
    }

    private let output: AtomicFile
    private var handle: HDF5Handle?
    private let tensors: [TensorInfo]
    private let datasetPaths: [String]
    private let compress: Bool
    private var next = 0

    public init(path: String, tensors: [TensorInfo], metadata: [String: String], layout: Layout, compress: Bool = false) throws {
        if let bad = tensors.first(where: { !HDF5Types.writable.contains($0.dtype) }) {
            throw CheckpointError.unsupportedOutput(
                file: path, reason: "HDF5 has no standard \(bad.dtype.rawValue) type (tensor '\(bad.name)'); convert with --dtype f32 or f16 first")
        }
        try FieldWidth.checkRank(tensors, path: path, limit: FieldWidth.hdf5Rank, format: "an HDF5 dataspace")
        if layout == .kerasLegacy {
            // Keras lists names in attributes of at most 64,512 bytes, splitting lists between names, never inside one.
            try FieldWidth.check(tensors, path: path, limit: KerasNaming.attributeLimit, field: "a Keras weight_names attribute")
        }
        let layers = layout == .kerasLegacy ? Self.layers(tensors) : []
        datasetPaths = layout == .kerasLegacy ? tensors.map { KerasNaming.layer(of: $0.name) + "/" + $0.name } : tensors.map(\.name)
        try Self.checkPaths(datasetPaths, tensors: tensors, file: path)
        self.tensors = tensors
        self.compress = compress
        output = try AtomicFile(destination: path, named: true)
        handle = try HDF5Library.locked {
            let access = HDF5Library.unlockedFileAccess()
            defer { H5Pclose(access) }
            let file = HDF5Handle(H5Fcreate(output.temporaryPath!, zoo_h5f_acc_trunc(), zoo_h5p_default(), access), close: H5Fclose)
            guard file.valid else { throw HDF5Error(file: path, .writeFailed(HDF5Library.takeErrors())) }
            if layout == .kerasLegacy {
                let scope = HDF5Scope()
                defer { scope.close() }
                let root = scope.own(H5Gopen2(file.id, "/", zoo_h5p_default()), H5Gclose)
                try Self.writeStrings(layers.map(\.name), named: "layer_names", on: root, file: path)
                // Without keras_version Keras assumes a Keras 1 file and converts its weights.
                try Self.writeString(metadata["backend"] ?? "tensorflow", named: "backend", on: root, file: path)
                try Self.writeString(metadata["keras_version"] ?? "2.0.0", named: "keras_version", on: root, file: path)
                for layer in layers {
                    let group = scope.own(H5Gcreate2(file.id, layer.name, zoo_h5p_default(), zoo_h5p_default(), zoo_h5p_default()), H5Gclose)
                    guard group >= 0 else { throw HDF5Error(file: path, .writeFailed("layer group '\(layer.name)': \(HDF5Library.takeErrors())")) }
                    try Self.writeStrings(layer.weights, named: "weight_names", on: group, file: path)
                }
            }
            return file
        }
    }

    public func append(_ tensor: Tensor) throws {
        let info = tensors[next]
        precondition(info.dtype == tensor.dtype && info.shape == tensor.shape, "tensor differs from the announced '\(info.name)'")
        try HDF5Library.locked {
            let fail = { (what: String) in HDF5Error(file: self.output.destination, tensor: info.name, .writeFailed("\(what): \(HDF5Library.takeErrors())")) }
            let scope = HDF5Scope()
            defer { scope.close() }
            let type = HDF5Types.fileType(for: info.dtype, in: scope)
            let dims = info.shape.dims.map { hsize_t($0) }
            let space = scope.own(info.shape.rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil), H5Sclose)
            let links = scope.own(H5Pcreate(zoo_h5p_link_create()), H5Pclose)
            H5Pset_create_intermediate_group(links, 1)
            let creation = compress && info.byteCount > 0 && info.shape.rank > 0 ? Self.compressed(info, in: scope) : zoo_h5p_default()
            let dataset = scope.own(H5Dcreate2(handle!.id, datasetPaths[next], type, space, links, creation, zoo_h5p_default()), H5Dclose)
            guard space >= 0, dataset >= 0 else { throw fail("create dataset '\(datasetPaths[next])'") }
            if info.byteCount > 0 {
                let status = tensor.withUnsafeBytes { H5Dwrite(dataset, type, zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), $0.baseAddress) }
                guard status >= 0 else { throw fail("write '\(datasetPaths[next])'") }
            }
        }
        next += 1
    }

    public func commit() throws -> [String] {
        precondition(next == tensors.count, "committed before every announced tensor was appended")
        try HDF5Library.locked {
            let status = handle!.close()
            handle = nil
            guard status >= 0 else { throw HDF5Error(file: output.destination, .writeFailed(HDF5Library.takeErrors())) }
        }
        try output.commit()
        return [output.destination]
    }

    deinit {
        // Close before AtomicFile removes the unfinished temporary file.
        handle = nil
    }

    /// Chunked creation with shuffle + gzip (level 4, as h5py's default): chunks of whole rows
    /// (the last dimensions entire), about 1 MiB each.
    private static func compressed(_ info: TensorInfo, in scope: HDF5Scope) -> hid_t {
        let list = scope.own(H5Pcreate(zoo_h5p_dataset_create()), H5Pclose)
        var chunk = info.shape.dims.map { hsize_t($0) }
        let rowBytes = info.byteCount / info.shape.dims[0]
        chunk[0] = hsize_t(max(1, min(info.shape.dims[0], (1 << 20) / max(rowBytes, 1))))
        H5Pset_chunk(list, Int32(chunk.count), chunk)
        H5Pset_shuffle(list)
        H5Pset_deflate(list, 4)
        return list
    }

    /// Layers in order of first appearance, each with its tensors' names in order.
    private static func layers(_ tensors: [TensorInfo]) -> [(name: String, weights: [String])] {
        var order: [String] = [], weights: [String: [String]] = [:]
        for tensor in tensors {
            let layer = KerasNaming.layer(of: tensor.name)
            if weights[layer] == nil { order.append(layer) }
            weights[layer, default: []].append(tensor.name)
        }
        return order.map { ($0, weights[$0]!) }
    }

    /// Refuses, before anything is created, names HDF5 cannot hold: a NUL (libhdf5 takes names as
    /// C strings, so the rest would be cut off), empty or "." path components, or a name that is
    /// also the group of another.
    private static func checkPaths(_ paths: [String], tensors: [TensorInfo], file: String) throws {
        try refuseNUL(in: tensors, path: file, cut: "where HDF5 names end (the name would be cut short)")
        let datasets = Set(paths)
        for (path, tensor) in zip(paths, tensors) {
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            if components.contains(where: { $0.isEmpty || $0 == "." }) {
                throw CheckpointError.unsupportedOutput(file: file, reason: "tensor '\(tensor.name)' cannot be an HDF5 path ('\(path)' has an empty or '.' component)")
            }
            for end in components.indices.dropLast() where datasets.contains(components[...end].joined(separator: "/")) {
                throw CheckpointError.unsupportedOutput(file: file, reason: "tensor '\(tensor.name)' would sit inside dataset '\(components[...end].joined(separator: "/"))'")
            }
        }
    }

    /// A fixed-length string list attribute, split as Keras splits lists over its 64 KiB limit.
    private static func writeStrings(_ values: [String], named name: String, on object: hid_t, file: String) throws {
        let encoded = values.map { Array($0.utf8) }
        let width = max(encoded.map(\.count).max() ?? 1, 1)
        var chunks = 1
        while (encoded.count + chunks - 1) / chunks * width > KerasNaming.attributeLimit { chunks += 1 }
        var start = 0
        for chunk in 0..<chunks {
            // np.array_split: the first count % chunks chunks get one extra item.
            let size = encoded.count / chunks + (chunk < encoded.count % chunks ? 1 : 0)
            let part = Array(encoded[start..<start + size])
            start += size
            try writeAttribute(chunks == 1 ? name : "\(name)\(chunk)", part, width: width, scalar: false, on: object, file: file)
        }
    }

    private static func writeString(_ value: String, named name: String, on object: hid_t, file: String) throws {
        let bytes = Array(value.utf8)
        try writeAttribute(name, [bytes], width: max(bytes.count, 1), scalar: true, on: object, file: file)
    }

    private static func writeAttribute(_ name: String, _ values: [[UInt8]], width: Int, scalar: Bool, on object: hid_t, file: String) throws {
        let scope = HDF5Scope()
        defer { scope.close() }
        let type = scope.own(H5Tcopy(zoo_h5t_c_s1()), H5Tclose)
        H5Tset_size(type, width)
        H5Tset_strpad(type, H5T_STR_NULLPAD)
        var dims = [hsize_t(values.count)]
        let space = scope.own(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil), H5Sclose)
        let attribute = scope.own(H5Acreate2(object, name, type, space, zoo_h5p_default(), zoo_h5p_default()), H5Aclose)
        var buffer = [UInt8](repeating: 0, count: max(values.count * width, 1))
        for (index, value) in values.enumerated() { buffer.replaceSubrange(index * width..<index * width + value.count, with: value) }
        guard attribute >= 0, H5Awrite(attribute, type, buffer) >= 0 else {
            throw HDF5Error(file: file, .writeFailed("attribute '\(name)': \(HDF5Library.takeErrors())"))
        }
    }
}
