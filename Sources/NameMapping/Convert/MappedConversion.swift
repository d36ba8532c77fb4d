import Architectures
import CheckpointFormats
import Foundation
import Tensors

/// What `zoo convert --to` should do.
public struct MappedConversionOptions: Sendable {
    public enum Head: String, Sendable, CaseIterable { case keep, drop }

    public var target: Convention
    /// Default: the target convention's usual format (a folder for Hugging Face).
    public var format: OutputFormat?
    public var dtype: DType?
    public var maxShardBytes: Int?
    /// Drop optimizer slots; without it a checkpoint that has them is refused (nothing is dropped silently).
    public var dropOptimizer: Bool
    public var head: Head
    /// Rescale batch-norm weights so the target's ε computes the source's function.
    public var foldEpsilon: Bool
    /// Compare the written file's outputs with the source's (forward passes on a fixed input).
    public var checkOutputs: Bool
    /// Fix the source's reading instead of identifying it.
    public var sourceModel: String?
    public var sourceConvention: Convention?
    /// Refuse, before writing anything, a target that computes a different function from the
    /// source's (`MappingError.differentFunction`); otherwise the report says so.
    public var requireSameFunction: Bool
    /// Replace an output that is a symbolic link, device node, FIFO or socket instead of refusing it.
    public var replaceSpecialOutput: Bool

    public init(
        target: Convention, format: OutputFormat? = nil, dtype: DType? = nil, maxShardBytes: Int? = nil, dropOptimizer: Bool = false,
        head: Head = .keep, foldEpsilon: Bool = false, checkOutputs: Bool = true, sourceModel: String? = nil, sourceConvention: Convention? = nil,
        requireSameFunction: Bool = false, replaceSpecialOutput: Bool = false
    ) {
        self.target = target
        self.format = format
        self.dtype = dtype
        self.maxShardBytes = maxShardBytes
        self.dropOptimizer = dropOptimizer
        self.head = head
        self.foldEpsilon = foldEpsilon
        self.checkOutputs = checkOutputs
        self.sourceModel = sourceModel
        self.sourceConvention = sourceConvention
        self.requireSameFunction = requireSameFunction
        self.replaceSpecialOutput = replaceSpecialOutput
    }

    /// Hugging Face targets are folders (`config.json` + safetensors) unless a format is named.
    var writesFolder: Bool { format == nil && (target == .huggingface || target == .huggingfacePrefixed) }
}

/// What a mapped conversion did and what it showed.
public struct MappedConversionReport: Sendable {
    public let source: Candidate
    public let target: ConventionLayout
    /// How the written model computes differently from the registry graph: the convention's
    /// differences, plus what the target carries over from the source (a config's GELU form).
    public let targetDifferences: [FunctionDifference]
    public let files: [String]
    public let tensorsWritten: Int
    /// The size of the files written.
    public let bytesWritten: Int
    /// How many tensors each kind of transform produced (`OIHW→HWIO`: 52).
    public let transforms: [String: Int]
    /// Tensors of the source with no place in the target (optimizer slots, step counters…).
    public let dropped: [ExtraTensor]
    /// The source folder's tokenizer and sentence-transformers files copied into a folder target,
    /// relative to it (`vocab.txt`, `modules.json`, `1_Pooling/config.json`).
    public let carriedFiles: [String]
    /// Batch-norm weights rescaled for the target's ε.
    public let foldedScales: Int
    /// Whether the written model computes exactly what the source did (same operations; folded ε).
    public var sameComputation: Bool { functionChange == nil }
    /// How the written model computes differently from the source, when it does.
    public let functionChange: FunctionChange?
    /// The target's function against the source's (each as its framework computes it).
    public let outputs: OutputComparison?
}

/// detect → identify → map and transform each tensor → stream to a staging file → verify →
/// publish. Memory stays bounded by the largest tensor (plus the few a fused or folded tensor
/// reads); the source is never written to and the destination appears only when verified.
public enum MappedConversion {
    /// Converts `reader` into `output`. Every path the output will publish is checked
    /// (`CheckpointConversion.checkOutputs`: not a file the source reads, not a special file unless
    /// `replaceSpecialOutput`) once the plan is known and before anything is created; only then are
    /// the output path's missing folders created (`OutputFolders`), removed again if the rest fails.
    public static func run(
        _ reader: CheckpointReader, to output: String, options: MappedConversionOptions, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> MappedConversionReport {
        let (identification, source) = try Identifier.bestReading(reader, model: options.sourceModel, convention: options.sourceConvention)
        try source.requireComplete(file: reader.path)
        if !source.unexpected.isEmpty {
            throw MappingError.unmappedTensors(file: reader.path, names: source.unexpected, hint: "they are not part of \(source.model) in \(source.convention) (zoo verify lists them)")
        }
        let optimizer = identification.extras.filter { $0.kind == .optimizer }
        if !optimizer.isEmpty && !options.dropOptimizer {
            throw MappingError.unmappedTensors(file: reader.path, names: optimizer.map(\.name), hint: "they are optimizer state, which \(options.target) files do not hold: pass --weights-only")
        }
        let model = Registry.model(named: source.model)!
        let graph = model.build(options.head == .drop ? nil : source.classes)
        let format = options.format ?? options.target.defaultFormat
        // Listing the conventions that do name the model builds every layout: only on the way out.
        func unsupported() -> MappingError {
            .unsupportedConvention(convention: options.target.rawValue, model: model.name, supported: Convention.supporting(model).map(\.rawValue))
        }
        let target: ConventionLayout, kerasModel: KerasFunctionalModel?
        if format == .kerasModel {
            // A whole-model file's layers compute the source's function, whichever framework's it is.
            guard options.target == .keras3 else { throw MappingError.wholeModelTarget(convention: options.target.rawValue) }
            guard let archive = try KerasFunctionalModel.archive(of: model, graph: graph, differences: source.layout.differences) else { throw unsupported() }
            (target, kerasModel) = (archive.layout, archive.model)
        } else {
            guard let layout = options.target.writing(format).layout(of: model, graph: graph) else { throw unsupported() }
            (target, kerasModel) = (layout, nil)
        }
        let weights = MappedCheckpoint(reader: reader, layout: source.layout, prefix: source.prefix)
        let sourceFunction = graph.applying(source.layout.differences)
        // A Hugging Face config can say which GELU the model uses: keep the source's.
        let carried = [.huggingface, .huggingfacePrefixed].contains(options.target) ? source.layout.differences.filter { $0 == .tanhGELU } : []
        let targetDifferences = target.differences + carried
        let targetFunction = graph.applying(targetDifferences)
        let folds = options.foldEpsilon ? epsilonFolds(from: sourceFunction, to: targetFunction) : [:]
        // Folded batch-norms compute the source's function under the target's ε.
        let sameComputation = sourceFunction.hasSameOperations(as: targetFunction.replacingOps { index, node in
            folds[node.name + ".weight"] != nil ? sourceFunction.nodes[index].op : node.op
        })
        let change = sameComputation ? nil : FunctionChange(
            source: source.convention, target: target.convention,
            differences: Self.changes(from: source.layout.differences, to: targetDifferences, folded: !folds.isEmpty),
            wholeKerasModel: [.keras, .keras3].contains(options.target) && format != .kerasModel
                && (try? KerasFunctionalModel.archive(of: model, graph: graph, differences: source.layout.differences)) != nil)
        if options.requireSameFunction, let change { throw MappingError.differentFunction(file: output, change) }
        // Source tensors read for the tensor being written, whose pages are released once it is.
        var touched: [Tensor] = []
        func read(_ name: String) throws -> Tensor {
            let tensor = try weights.conventionTensor(name)
            touched.append(tensor)
            return tensor
        }
        func unfolded(_ name: String) throws -> Tensor {
            guard let expression = source.layout.imports[name] else { throw MappingError.notInGraph(name: name, model: model.name) }
            return try expression.evaluate(read)
        }
        func canonical(_ name: String) throws -> Tensor {
            try folds[name].map { try $0.evaluate(unfolded) } ?? unfolded(name)
        }

        // Plan, stage, write.
        let planned = target.tensors.map { tensor in
            TensorInfo(name: tensor.name, dtype: options.dtype.flatMap { tensor.dtype.isConvertibleFloat ? $0 : nil } ?? sourceDType(tensor, weights), shape: try! Shape(tensor.shape))
        }
        let outputName = URL(fileURLWithPath: output).lastPathComponent
        let stagedName = options.writesFolder ? "model.safetensors" : kerasModel != nil ? "model.weights.h5" : outputName
        let conversion = ConversionOptions(format: kerasModel != nil ? .kerasWeights : format, dtype: options.dtype, maxShardBytes: options.maxShardBytes)
        // Where each file will be published, checked against the source before anything is written.
        let folder = options.writesFolder ? output : URL(fileURLWithPath: output).deletingLastPathComponent().path
        let destinations = kerasModel != nil ? [output]
            : CheckpointConversion.destinations(at: folder + "/" + stagedName, tensors: planned, options: conversion)
                + (options.writesFolder ? [output + "/config.json"] : [])
        try CheckpointConversion.checkOutputs(destinations, against: reader, replacingSpecial: options.replaceSpecialOutput)
        // Missing folders of the output's path are created only now, and removed again if what
        // follows fails.
        return try OutputFolders.around(output) {
            let staging = try StagingFolder(beside: output)
            let snapshot = SourceSnapshot(reader.files)
            let writer = try CheckpointConversion.makeWriter(
                at: staging.file(stagedName), tensors: planned, metadata: format == .safetensors ? ["format": "pt"] : [:], options: conversion)
            let total = planned.reduce(0) { $0 + $1.byteCount }
            var done = 0
            var transforms: [String: Int] = [:]
            var checksums: [UInt32] = []
            progress(0, total)
            for (tensor, info) in zip(target.tensors, planned) {
                let value = try tensor.export.evaluate(canonical).converted(to: info.dtype)
                guard value.shape == info.shape else { throw MappingError.outputMismatch(file: output, what: "'\(tensor.name)' came out \(value.shape), expected \(info.shape)") }
                try writer.append(value)
                checksums.append(value.withUnsafeBytes { CRC32.checksum($0) })
                transforms[tensor.export.summary, default: 0] += 1
                touched.forEach { $0.storage.releaseMappedPages() }
                touched.removeAll()
                done += info.byteCount
                progress(done, total)
            }
            try snapshot.checkUnchanged()
            let staged = try writer.commit()
            var companions: [String] = []
            if options.writesFolder {
                try AtomicFile.write(Array(HuggingFaceConfig.json(for: targetFunction, model: model).utf8), to: staging.file("config.json"))
                companions = try CompanionFiles.copy(from: URL(fileURLWithPath: reader.path).deletingLastPathComponent().path, into: staging.path)
            }

            // Verify what was written (the one file, or a sharded set's index): every tensor's name,
            // dtype, shape and bytes, then its function.
            let written = try Checkpoint.open(staged.last!)
            // (An HDF5 file lists its datasets by name, not in the order they were written.)
            guard written.tensors.sorted(by: { $0.name < $1.name }) == planned.sorted(by: { $0.name < $1.name }) else {
                throw MappingError.outputMismatch(file: output, what: "the staged file lists other tensors than were planned")
            }
            guard try written.checksums(of: planned) == checksums else {
                throw MappingError.outputMismatch(file: output, what: "a tensor's bytes differ from what was written")
            }
            var comparison: OutputComparison?
            if options.checkOutputs {
                comparison = try OutputComparison.compare(
                    reference: (sourceFunction, weights), candidate: (targetFunction, MappedCheckpoint(reader: written, layout: target)))
                if sameComputation && options.dtype == nil && !comparison!.isEquivalent {
                    throw MappingError.outputMismatch(file: output, what: "its outputs differ from the source's by \(comparison!.maxAbsoluteDifference) with no difference in function to explain it")
                }
            }

            if let kerasModel {
                try KerasModelArchive.write(config: kerasModel.configJSON(), weightsFile: staging.file(stagedName), to: staging.file(outputName))
            }

            // Publish: the folder in one rename, or the files with a sharded set's index last.
            let files = destinations
            if options.writesFolder {
                try staging.publishFolder(to: output)
            } else {
                let index = destinations.last.flatMap { $0.hasSuffix(".index.json") ? $0 : nil }
                try staging.publish(index == nil ? destinations : Array(destinations.dropLast()), index: index)
            }
            return MappedConversionReport(
                source: source, target: target, targetDifferences: targetDifferences, files: files, tensorsWritten: planned.count, bytesWritten: try CheckpointConversion.fileSize(files), transforms: transforms,
                dropped: identification.extras, carriedFiles: companions, foldedScales: folds.count, functionChange: change, outputs: comparison)
        }
    }

    /// The dtype the source stores a target tensor's (first) input in: conversions keep it.
    private static func sourceDType(_ tensor: MappedTensor, _ weights: MappedCheckpoint) -> DType {
        guard tensor.dtype.isConvertibleFloat, let input = tensor.export.inputs.first,
              let expression = weights.layout.imports[input], let name = expression.inputs.first,
              let file = weights.fileTensor(of: name) else { return tensor.dtype }
        return file.dtype
    }

    /// What the target computes differently from the source: differences it adds and ones it drops
    /// (an ε difference whose scales are folded computes the source's function, so is not listed).
    static func changes(from source: [FunctionDifference], to target: [FunctionDifference], folded: Bool) -> [String] {
        let added = target.filter { !source.contains($0) }, dropped = source.filter { !target.contains($0) }
        return (added + dropped).filter { difference in
            if case .batchNormEpsilon = difference { return !folded }
            return true
        }.map(\.description)
    }

    /// For each batch-norm whose ε differs between the two functions, its scale rescaled so the
    /// target's ε computes what the source's did.
    static func epsilonFolds(from source: ModelGraph, to target: ModelGraph) -> [String: TensorExpression] {
        var folds: [String: TensorExpression] = [:]
        for (a, b) in zip(source.nodes, target.nodes) {
            guard case .batchNorm(_, let from, _) = a.op, case .batchNorm(_, let to, _) = b.op, from != to else { continue }
            folds[a.name + ".weight"] = .epsilonFolded(scale: .tensor(a.name + ".weight"), variance: .tensor(a.name + ".running_var"), from: from, to: to)
        }
        return folds
    }
}
