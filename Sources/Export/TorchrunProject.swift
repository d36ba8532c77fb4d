import Architectures
import CheckpointFormats
import Engine
import Foundation
import Plans
import Tensors
import Training

/// `zoo export --to torchrun`: a fine-tune as a self-contained PyTorch DDP project that trains what
/// `zoo finetune` trains. The project is the embedded scripts (`torchrun/`: train.py, data.py,
/// zoo_rules.py, launch.sh, README.md) and, written from the job:
/// - `plan.json`, the plan as it runs; `splits.json`, zoo's split of the data (origins and targets);
/// - `project.json`: the model's library and constructor, its freeze groups' parameters from the
///   input up, its dropout layers, and how the data was read;
/// - `initial/`: the checkpoint with the first seed's fresh head as a `ModelFolder` (canonical
///   names, which the library's model loads with `strict=True`), and every seed's head in
///   `initial/heads.safetensors`, so both trainers start from the same point;
/// - `order.npz`: each phase's per-epoch example order as zoo's `EpochSampler` draws it, for the
///   equivalence mode;
/// - `requirements.txt`.
public struct TorchrunProject {
    public let job: FineTuneJob
    public let library: TorchLibrary
    /// The data path as given, and how it was read.
    public let dataPath: String
    public let options: DataOptions
    public let test: LabelledExamples?

    public init(job: FineTuneJob, dataPath: String, options: DataOptions, test: LabelledExamples?) throws {
        guard let library = TorchLibrary(job.checkpoint.model) else {
            throw ExportError.unbuildable(model: job.plan.model.name, reason: "no torchvision, timm or transformers model has zoo's parameter names")
        }
        if library == .transformers { try Self.checkSequenceClassifier(job) }
        (self.job, self.library, self.dataPath, self.options, self.test) = (job, library, dataPath, options, test)
    }

    /// transformers builds the encoder from the config.json beside the checkpoint, as
    /// `AutoModelForSequenceClassification`: only BERT's (`model_type` bert, MiniLM included) puts
    /// zoo's head (the pooler, dropout, a linear classifier) on the encoder; RoBERTa's and
    /// DistilBERT's classifiers are other layers (a dense + tanh head on the first token, a
    /// pre-classifier) than zoo's graph trains.
    static func checkSequenceClassifier(_ job: FineTuneJob) throws {
        let path = (job.tokenizerFolder ?? ".") + "/config.json"
        guard let bytes = try? RegularFile.read(path),
              let config = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw ExportError.unbuildable(model: job.plan.model.name, reason: "transformers builds an encoder from its config.json, and \(path) cannot be read")
        }
        let type = config["model_type"] as? String ?? "none"
        guard type == "bert" else {
            throw ExportError.unbuildable(
                model: job.plan.model.name,
                reason: "\(path) has model_type \(type): transformers' sequence classifier for it is not the pooler-and-linear head zoo trains (only BERT's is)")
        }
    }

    /// The files every project has, by name (the embedded `torchrun/` folder).
    public static var scripts: [String: String] { EmbeddedProjectFiles.files }

    /// Writes the project into `folder`: staged beside it and renamed into place, so the folder
    /// appears whole or not at all. An existing folder is refused unless it is empty, or `force`.
    /// Returns the files written, relative to `folder`, sorted.
    @discardableResult
    public func write(to folder: String, force: Bool) throws -> [String] {
        let manager = FileManager.default
        try Self.checkOutput(folder, force: force)
        let exists = manager.fileExists(atPath: folder)
        let staging = try OutputFolders.around(folder) { try StagingFolder(beside: folder) }
        for (name, text) in Self.scripts {
            try AtomicFile.write(Array(text.utf8), to: staging.file(name), executable: name.hasSuffix(".sh") || name == "train.py")
        }
        try AtomicFile.write(Array(try job.plan.json()) + [0x0A], to: staging.file("plan.json"))
        try AtomicFile.write(Array(try FineTuner.splits(train: job.train, validation: job.validation, folds: nil, test: test)) + [0x0A], to: staging.file("splits.json"))
        try AtomicFile.write(Array(try projectJSON()) + [0x0A], to: staging.file("project.json"))
        try AtomicFile.write(Array(requirements.utf8), to: staging.file("requirements.txt"))
        try writeInitialWeights(into: staging.file("initial"))
        try writeOrder(to: staging.file("order.npz"))
        if exists { try manager.removeItem(atPath: folder) }
        try staging.publishFolder(to: folder)
        return (manager.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
            .filter { var d: ObjCBool = false; return manager.fileExists(atPath: folder + "/" + $0, isDirectory: &d) && !d.boolValue }.sorted()
    }

    /// Refuses an output that exists and is not an empty folder, unless `force`.
    public static func checkOutput(_ folder: String, force: Bool) throws {
        guard !force, FileManager.default.fileExists(atPath: folder) else { return }
        guard let contents = try? FileManager.default.contentsOfDirectory(atPath: folder), contents.isEmpty else { throw ExportError.outputNotEmpty(folder) }
    }

    /// `project.json`: what train.py and data.py need beyond the plan and the splits, read off the graph and the data options.
    func projectJSON() throws -> Data {
        let graph = job.graph
        let trained = graph.parameters.filter { !$0.spec.isBuffer }
        let groups = graph.freezeGroups.map { group in
            ["name": group.description, "parameters": trained.filter { $0.group == group }.map(\.name)] as [String: Any]
        }
        let dropout = graph.nodes.compactMap { node -> Double? in
            if case .dropout(let probability) = node.op { return probability }
            return nil
        }
        let object: [String: Any] = [
            "format": "zoo.torchrun-project/1",
            "model": [
                "name": job.plan.model.name, "library": library.rawValue, "input": job.checkpoint.model.task, "dropout": dropout,
            ] as [String: Any],
            "groups": groups,
            "data": [
                "path": URL(fileURLWithPath: dataPath).standardizedFileURL.path,
                "text_column": options.textColumn as Any, "pair_column": options.pairColumn as Any,
                "text_columns": DataOptions.textColumns, "pair_columns": DataOptions.pairColumns,
            ] as [String: Any],
            "class_weights": classWeights as Any,
            "weights": ["initial": "initial/" + ModelFolder.weightsFile, "heads": "initial/heads.safetensors"],
            "order": "order.npz",
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// The cross-entropy's class weights (`--class-weights`), or nil.
    var classWeights: [Double]? {
        if case .crossEntropy(_, let weights) = job.loss { return weights?.map(Double.init) }
        return nil
    }

    /// The first seed's model as a `ModelFolder`, and every seed's fresh classifier in `heads.safetensors`
    /// (`<seed>/<name>`), redrawn on the same store (the checkpoint read once).
    func writeInitialWeights(into folder: String) throws {
        let seeds = job.plan.seeds
        let store = try job.freshStore(seed: seeds[0])
        try job.writeModel(store, to: folder)
        let classifier = job.graph.nodes[job.graph.classifier!].name
        let names = [classifier + ".weight", classifier + ".bias"]
        var heads: [(TensorInfo, [Float])] = []
        for seed in seeds {
            if seed != seeds[0] { try job.redrawHead(of: store, seed: seed) }
            for name in names {
                let parameter = store[name]!
                heads.append((TensorInfo(name: "\(seed)/\(name)", dtype: .f32, shape: try Shape(parameter.shape)), parameter.valueArray))
            }
        }
        let writer = try SafetensorsWriter(path: folder + "/heads.safetensors", tensors: heads.map(\.0), metadata: ["format": "pt"])
        for (info, values) in heads { try writer.append(Tensor(values, dtype: .f32, shape: info.shape)) }
        _ = try writer.commit()
    }

    /// `order.npz`: for each seed and phase (`linear_probe/<seed>`, `fine_tune/<seed>`), the
    /// example order of every epoch the phase's steps reach, [epochs, training examples] int64.
    func writeOrder(to path: String) throws {
        let plan = job.plan
        var phases: [(String, EpochSampler, Int)] = []
        for seed in plan.seeds {
            if let probe = plan.linearProbe { phases.append(("linear_probe/\(seed)", job.probeSampler(job.train, seed: seed), probe.steps)) }
            phases.append(("fine_tune/\(seed)", job.sampler(job.train, seed: seed), plan.schedule.steps))
        }
        let arrays = phases.map { name, sampler, steps in
            let epochs = max(1, (steps + sampler.stepsPerEpoch - 1) / sampler.stepsPerEpoch)
            return (TensorInfo(name: name, dtype: .i64, shape: [epochs, job.train.count]), (0..<epochs).flatMap { sampler.order(epoch: $0).map(Int64.init) })
        }
        let writer = try NpzWriter(path: path, tensors: arrays.map(\.0), compress: true)
        for (info, values) in arrays { try writer.append(Tensor(values, dtype: .i64, shape: info.shape)) }
        _ = try writer.commit()
    }

    /// The packages the project needs, with the model's library.
    var requirements: String {
        (["torch>=2.1", library.requirement, "safetensors>=0.4", "numpy"] + (library == .transformers ? [] : ["pillow"]) + ["tensorboard"])
            .joined(separator: "\n") + "\n"
    }
}
