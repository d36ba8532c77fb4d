import Foundation
import Tensors

/// How `zoo convert` should write its output.
public struct ConversionOptions: Sendable {
    public var format: OutputFormat
    /// Float tensors are cast to this dtype; other tensors pass through unchanged.
    public var dtype: DType?
    /// Split safetensors output into shards of at most this many bytes.
    public var maxShardBytes: Int?
    /// Deflate `.npz` members (like `np.savez_compressed`), or write HDF5 datasets chunked with
    /// shuffle + gzip (like h5py's `compression="gzip", shuffle=True`).
    public var compress: Bool
    /// Keep only tensors whose role is `.weight` (drop optimizer state and step counters), named
    /// as the model's own state dict (`modelPrefix`).
    public var weightsOnly: Bool
    /// Replace an output that is a symbolic link, device node, FIFO or socket (the name itself;
    /// nothing is written through it) instead of refusing it.
    public var replaceSpecialOutput: Bool

    public init(
        format: OutputFormat, dtype: DType? = nil, maxShardBytes: Int? = nil, compress: Bool = false, weightsOnly: Bool = false,
        replaceSpecialOutput: Bool = false
    ) {
        self.format = format
        self.dtype = dtype
        self.maxShardBytes = maxShardBytes
        self.compress = compress
        self.weightsOnly = weightsOnly
        self.replaceSpecialOutput = replaceSpecialOutput
    }
}

/// What a conversion did.
public struct ConversionReport: Sendable {
    public let files: [String]
    public let tensors: Int
    public let bytesRead: Int
    /// The size of the files written (a compressed `.npz` counts its compressed members).
    public let bytesWritten: Int
    public let castTensors: Int
    /// Tensors left out by `weightsOnly`.
    public let droppedTensors: Int
    /// The wrapper prefix `weightsOnly` removed from every name (`model.`, `module.`), or "".
    public let removedPrefix: String
}

/// Streams a checkpoint into another format, one tensor at a time: memory stays bounded by the
/// largest tensor, the output appears only when complete, and the source is never written to.
/// Later stages (name mapping, layout transforms) slot in as further per-tensor steps.
public enum CheckpointConversion {
    /// The source tensors to convert, in order.
    public static func selection(_ source: CheckpointReader, weightsOnly: Bool) -> [TensorInfo] {
        weightsOnly ? source.tensors.filter { source.role(of: $0.name) == .weight } : source.tensors
    }

    /// The prefix that wraps the model's state dict among `kept` tensors, which `weightsOnly`
    /// removes as `--to` removes a wrapper: the key every kept name starts under and no dropped one
    /// does (`model.` in `{"model": …, "optimizer": …}`), then DataParallel's `module.`.
    public static func modelPrefix(kept: [TensorInfo], dropped: [TensorInfo]) -> String {
        func sharedBy(_ prefix: String) -> Bool { !kept.isEmpty && kept.allSatisfy { $0.name.hasPrefix(prefix) && $0.name.count > prefix.count } }
        var prefix = ""
        if !dropped.isEmpty, let first = kept.first, let dot = first.name.firstIndex(of: ".") {
            let key = String(first.name[...dot])
            if sharedBy(key) && !dropped.contains(where: { $0.name.hasPrefix(key) }) { prefix = key }
        }
        return sharedBy(prefix + "module.") ? prefix + "module." : prefix
    }

    /// What each selected tensor becomes in the output: `prefix` removed from its name, floats cast to `dtype`.
    public static func plan(_ selection: [TensorInfo], dtype: DType?, removing prefix: String = "") -> [TensorInfo] {
        selection.map { info in
            let cast = dtype.flatMap { info.dtype.isConvertibleFloat ? $0 : nil } ?? info.dtype
            return TensorInfo(name: String(info.name.dropFirst(prefix.count)), dtype: cast, shape: info.shape)
        }
    }

    /// A writer for `format` at `path`, announced the tensors it will receive.
    public static func makeWriter(
        at path: String, tensors: [TensorInfo], metadata: [String: String], options: ConversionOptions
    ) throws -> CheckpointWriter {
        switch options.format {
        case .safetensors:
            if let limit = options.maxShardBytes {
                return try ShardedSafetensorsWriter(path: path, tensors: tensors, metadata: metadata, maxShardBytes: limit)
            }
            return try SafetensorsWriter(path: path, tensors: tensors, metadata: metadata)
        case .npz: return try NpzWriter(path: path, tensors: tensors, compress: options.compress)
        case .npy: return try NpyWriter(path: path, tensors: tensors)
        case .pytorch: return try PyTorchWriter(path: path, tensors: tensors)
        case .kerasH5: return try HDF5Writer(path: path, tensors: tensors, metadata: metadata, layout: .kerasLegacy, compress: options.compress)
        case .kerasWeights: return try HDF5Writer(path: path, tensors: tensors, metadata: metadata, layout: .paths, compress: options.compress)
        case .kerasModel:
            throw CheckpointError.unsupportedOutput(file: path, reason: "a .keras file holds the model's layers as well as its weights: write it with --to keras3")
        }
    }

    /// The final paths a writer for `options.format` at `path` publishes, known before it is created.
    public static func destinations(at path: String, tensors: [TensorInfo], options: ConversionOptions) -> [String] {
        guard options.format == .safetensors, let limit = options.maxShardBytes else { return [path] }
        return ShardedSafetensorsWriter.destinations(path: path, tensors: tensors, maxShardBytes: limit)
    }

    /// Converts `source` into `path` (creating its missing folders, removed again if the conversion
    /// fails); `progress` receives (bytes done, bytes total) after each tensor. The outputs are
    /// checked (`checkOutputs`) before anything is created, folders included.
    public static func run(
        _ source: CheckpointReader, to path: String, options: ConversionOptions,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> ConversionReport {
        if options.maxShardBytes != nil && options.format != .safetensors {
            throw CheckpointError.unsupportedOutput(file: path, reason: "--shard-size applies to safetensors output only")
        }
        let selected = selection(source, weightsOnly: options.weightsOnly)
        let prefix = options.weightsOnly ? modelPrefix(kept: selected, dropped: source.tensors.filter { source.role(of: $0.name) != .weight }) : ""
        let plan = plan(selected, dtype: options.dtype, removing: prefix)
        try refuseEmpty(plan, from: source)
        try checkOutputs(destinations(at: path, tensors: plan, options: options), against: source, replacingSpecial: options.replaceSpecialOutput)
        return try OutputFolders.around(path) {
            try write(source, selected: selected, plan: plan, removedPrefix: prefix, to: path, options: options, progress: progress)
        }
    }

    /// Refuses a conversion that would write no tensors: a source that yields none (its objects
    /// skipped, or a structure that lists nothing readable) or whose every tensor `weightsOnly`
    /// drops would otherwise become an empty checkpoint and exit 0, as if converted.
    private static func refuseEmpty(_ plan: [TensorInfo], from source: CheckpointReader) throws {
        guard plan.isEmpty else { return }
        let reason = source.tensors.isEmpty
            ? (["zoo found no tensors in it"] + source.warnings).joined(separator: "; ")
            : "--weights-only keeps none of its \(source.tensors.count) tensors (all are optimizer state or bookkeeping)"
        throw CheckpointError.nothingToConvert(file: source.path, reason: reason)
    }

    /// The conversion itself, once the outputs are checked and the output's folder exists.
    private static func write(
        _ source: CheckpointReader, selected: [TensorInfo], plan: [TensorInfo], removedPrefix prefix: String, to path: String,
        options: ConversionOptions, progress: (Int, Int) -> Void
    ) throws -> ConversionReport {
        let snapshot = SourceSnapshot(source.files)
        let writer = try makeWriter(at: path, tensors: plan, metadata: source.metadata, options: options)
        let total = selected.reduce(0) { $0 + $1.byteCount }
        var done = 0, cast = 0
        progress(0, total)
        for (info, target) in zip(selected, plan) {
            let tensor = try source.tensor(named: info.name)
            let output = try tensor.converted(to: target.dtype)
            if output.dtype != tensor.dtype { cast += 1 }
            try writer.append(output)
            // Written: let the source's pages leave the resident set, so RSS stays bounded too.
            tensor.storage.releaseMappedPages()
            done += info.byteCount
            progress(done, total)
        }
        try snapshot.checkUnchanged()
        let files = try writer.commit()
        return ConversionReport(
            files: files, tensors: plan.count, bytesRead: done, bytesWritten: try fileSize(files), castTensors: cast,
            droppedTensors: source.tensors.count - selected.count, removedPrefix: prefix)
    }

    /// The total size on disk of `files`, as written.
    public static func fileSize(_ files: [String]) throws -> Int {
        try files.reduce(0) { total, file in
            var status = stat()
            guard stat(file, &status) == 0 else { throw FileError(path: file, operation: "measure", errno: errno, access: .writing) }
            return total + Int(status.st_size)
        }
    }

    /// Checks every path an output will publish before anything is written: none may be a file the
    /// source reads (compared by device and inode, so a hard link, a bind mount or another spelling
    /// of the path is caught), and none may be a symbolic link, device node, FIFO or socket unless
    /// `replacingSpecial`.
    public static func checkOutputs(_ outputs: [String], against source: CheckpointReader, replacingSpecial: Bool) throws {
        try OutputPath.refuseSpecial(outputs, replacingSpecial: replacingSpecial)
        let read = Set(source.files.compactMap { OutputPath.identity($0, followingLink: true) })
        for output in outputs {
            if let identity = OutputPath.identity(output, followingLink: false), read.contains(identity) {
                throw CheckpointError.outputIsSource(file: output)
            }
        }
    }
}
