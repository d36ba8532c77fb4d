import Architectures
import Engine
import Foundation
import NameMapping
import Plans
import Preprocessing

/// A fine-tune with everything resolved: the plan (with the command line's overrides applied),
/// the checkpoint read and hashed, the graph with the task's head, the data split, how examples
/// become inputs, and the loss.
public struct FineTuneJob {
    public let plan: FineTunePlan
    public let checkpoint: IdentifiedCheckpoint
    /// The checkpoint file's SHA-256: what cached features are keyed by.
    public let checkpointDigest: String
    /// The registry model with the task's head.
    public let graph: ModelGraph
    public let train: LabelledExamples
    public let validation: LabelledExamples
    /// K-fold cross-validation's folds (indices into `train`), each the validation set of one run
    /// on the others; nil: one run per seed on `train`, validated on `validation`.
    public let folds: [[Int]]?
    public let encoder: ExampleEncoder
    public let augmentation: ImageAugmentation
    /// The plan's mixup (images only); nil when α is 0 or the inputs are tokens.
    public let mixup: Mixup?
    public let loss: Loss
    /// Where frozen-prefix features are kept across runs; nil: computed in memory for this run only.
    public let cache: FeatureCache?
    /// The tokenizer's folder (text models): copied into the fine-tuned model's folder.
    public let tokenizerFolder: String?
    /// What the plan asks that this trainer does not do, said in the report rather than silently dropped.
    public let warnings: [String]
    /// The equivalence mode, for comparison with the exported PyTorch project (`train.py --equivalence`):
    /// no dropout, augmentation or mixup, batch-norm on its running statistics.
    public let equivalence: Bool

    /// Resolves `plan` against the checkpoint at `weights` and the split data (`folds`: K-fold
    /// cross-validation over `train`, `validation` unused). `classWeights` (one per class) weight
    /// the cross-entropy. Throws when the checkpoint is not the plan's model, computes a different
    /// function, or the data does not fit the plan's head.
    public init(
        plan: FineTunePlan, weights: String, train: LabelledExamples, validation: LabelledExamples, folds: [[Int]]? = nil,
        classWeights: [Float]? = nil, cache: FeatureCache? = .standard, tokenizerFolder: String? = nil, equivalence: Bool = false
    ) throws {
        self.plan = plan
        self.equivalence = equivalence
        checkpoint = try IdentifiedCheckpoint(path: weights, model: plan.model.name)
        guard checkpoint.differences.isEmpty else {
            throw TrainingError.unsupported(
                "\(weights) is \(plan.model.name) in \(checkpoint.reading.convention), which computes it differently from the registry's graph "
                    + "(\(checkpoint.differences.map(\.description).joined(separator: "; "))): convert it to \(plan.model.checkpoint.convention) first")
        }
        checkpointDigest = try SHA256Digest.file(weights)
        graph = checkpoint.model.build(plan.head.classes)
        guard train.classes.count == plan.head.classes else {
            throw TrainingError.dataMismatch(
                "the plan's head has \(plan.head.classes) outputs, but the data has \(train.classes.count): \(train.classes.prefix(12).joined(separator: ", "))")
        }
        guard !train.examples.isEmpty, !validation.examples.isEmpty || folds != nil else {
            throw TrainingError.dataMismatch("no \(train.examples.isEmpty ? "training" : "validation") examples")
        }
        if let folds {
            guard folds.count >= 2, folds.allSatisfy({ !$0.isEmpty && $0.count < train.count }) else {
                throw TrainingError.dataMismatch("\(folds.count) folds of \(folds.map(\.count)) examples cannot cross-validate \(train.count)")
            }
        }
        (self.train, self.validation, self.folds, self.cache) = (train, validation, folds, cache)
        augmentation = try ImageAugmentation(names: equivalence ? [] : plan.regularisation.augmentation)
        let folder = tokenizerFolder ?? URL(fileURLWithPath: weights).deletingLastPathComponent().path
        self.tokenizerFolder = checkpoint.model.task == "text" ? folder : nil
        encoder = try .forModel(checkpoint.model, preprocessing: plan.preprocessing, tokenizerFolder: folder, examples: train.examples + validation.examples)
        var warnings = equivalence ? ["equivalence mode: no dropout, augmentation or mixup; batch-norm on its running statistics"] : []
        let alpha = equivalence ? 0 : plan.regularisation.mixup
        mixup = alpha > 0 && checkpoint.model.task != "text" ? Mixup(alpha: alpha) : nil
        if alpha > 0 && mixup == nil {
            warnings.append("regularisation.mixup (α \(alpha)) is not applied: token ids cannot be mixed")
        }
        if alpha > 0 && mixup != nil && plan.linearProbe != nil {
            warnings.append("the linear probe trains on cached features without mixup; mixup (α \(alpha)) applies to the fine-tune")
        }
        let varying = (augmentation.isEmpty ? [] : ["augmentation (\(plan.regularisation.augmentation.joined(separator: ", ")))"]) + (mixup == nil ? [] : ["mixup"])
        if !varying.isEmpty && plan.cacheFeatures {
            warnings.append("cache_features is not used: \(varying.joined(separator: " and ")) changes the frozen prefix's inputs every step")
        }
        self.warnings = warnings
        switch plan.head.kind {
        case .singleLabel, .sentencePair: loss = .crossEntropy(labelSmoothing: plan.regularisation.labelSmoothing, classWeights: classWeights)
        case .multiLabel: loss = .binaryCrossEntropy
        case .regression: loss = .meanSquaredError
        }
    }

    /// The tokenizer files in `folder`: `vocab.json` + `merges.txt` (byte-level BPE) or
    /// `vocab.txt` (WordPiece, lower-cased unless the model is cased).
    public static func tokenizer(in folder: String, model: String) throws -> any Tokenizer {
        let manager = FileManager.default
        if manager.fileExists(atPath: folder + "/vocab.json"), manager.fileExists(atPath: folder + "/merges.txt") {
            return try ByteLevelBPETokenizer(vocabularyFile: folder + "/vocab.json", mergesFile: folder + "/merges.txt")
        }
        return try WordPieceTokenizer(vocabularyFile: folder + "/vocab.txt", lowercase: !model.contains("_cased"))
    }

    /// What the encoder's inputs depend on, for feature-cache keys.
    var encoding: String {
        switch encoder.modality {
        case .images(let p): "images resize=\(p.resize) crop=\(p.crop) mean=\(p.mean) std=\(p.std) filter=\(p.filter)"
        case .text(let tokenizer, let length): "text \(type(of: tokenizer)) length=\(length) folder=\(tokenizerFolder ?? "")"
        }
    }

    /// The runs the job makes: every seed, on each fold in turn under cross-validation.
    public var runCount: Int { plan.seeds.count * (folds?.count ?? 1) }

    /// Run `index`'s seed, fold (nil without cross-validation), training and validation examples:
    /// runs go seed by seed within a fold, fold by fold.
    func run(_ index: Int) -> (seed: UInt64, fold: Int?, train: LabelledExamples, validation: LabelledExamples) {
        let seed = plan.seeds[index % plan.seeds.count]
        guard let folds else { return (seed, nil, train, validation) }
        let fold = index / plan.seeds.count, held = Set(folds[fold])
        return (seed, fold, train.subset(train.examples.indices.filter { !held.contains($0) }), train.subset(folds[fold]))
    }

    /// The checkpoint's weights with a fresh head drawn from `seed` as the model's library
    /// initialises it, the plan's groups frozen: where every run starts.
    public func freshStore(seed: UInt64) throws -> ParameterStore {
        let classifier = graph.nodes[graph.classifier!].name
        let head: Set<String> = [classifier + ".weight", classifier + ".bias"]
        let source = checkpoint.weights
        let fresh = ComputedWeights { name, shape in
            head.contains(name) ? [Float](repeating: 0, count: shape.reduce(1, *)) : try source.values(of: name, shape: shape)
        }
        let store = try ParameterStore(graph: graph, source: fresh, frozen: Set(plan.freeze.frozen))
        try redrawHead(of: store, seed: seed)
        return store
    }

    /// Draws `store`'s classifier afresh from `seed` as the model's library initialises it (every
    /// value replaced): another seed's starting point without reading the checkpoint again.
    public func redrawHead(of store: ParameterStore, seed: UInt64) throws {
        try store.initialiseHead(of: graph, checkpoint.model.headInitialisation, seed: seed)
    }

    /// The training plan of a phase over `store` with `frozen` groups, in the job's mode: dropout
    /// and batch statistics off under `equivalence`.
    func trainingPlan(parameters store: ParameterStore, frozen: [FreezeGroup], seed: UInt64) throws -> TrainingPlan {
        let training = try TrainingPlan(graph: graph, parameters: store, frozen: frozen, input: input, batch: plan.batchSize, loss: loss, seed: seed)
        training.dropoutEnabled = !equivalence
        training.batchNormStatisticsFrozen = equivalence
        return training
    }

    /// The main run's data order over `train` for `seed`.
    public func sampler(_ train: LabelledExamples, seed: UInt64) -> EpochSampler {
        EpochSampler(count: train.count, batchSize: plan.batchSize, seed: seed)
    }

    /// The linear probe's data order: its own stream, seeded `seed ^ 0x4C50`.
    public func probeSampler(_ train: LabelledExamples, seed: UInt64) -> EpochSampler {
        EpochSampler(count: train.count, batchSize: plan.batchSize, seed: seed ^ 0x4C50)
    }

    /// Writes `store` as a `ModelFolder` (the fine-tuned model; the exported project's initial weights).
    public func writeModel(_ store: ParameterStore, to folder: String) throws {
        let config = ModelFolderConfig(model: plan.model.name, task: plan.head.kind, classNames: train.classes, preprocessing: plan.preprocessing)
        try ModelFolder.write(store, graph: graph, config: config, baseConfig: tokenizerFolder.map { $0 + "/config.json" }, tokenizerFolder: tokenizerFolder, to: folder)
    }

    /// The batches of a phase training on `train` in `sampler`'s order, from `cached` features when given.
    func batches(_ train: LabelledExamples, sampler: EpochSampler, cached: CachedFeatures?) -> StepBatches {
        StepBatches(
            train: train, sampler: sampler, cached: cached, encoder: encoder, augmentation: augmentation, mixup: mixup, kind: plan.head.kind,
            width: plan.head.classes)
    }

    /// Whether the frozen prefix sees different inputs every epoch (augmentation or mixup), so its
    /// features cannot be cached.
    var inputsVary: Bool { !augmentation.isEmpty || mixup != nil }

    /// The input shape plans are compiled for.
    var input: InputSpec { encoder.input }
}
