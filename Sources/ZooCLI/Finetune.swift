import ArgumentParser
import Foundation
import ModelZoo

/// `zoo finetune --plan plan.json --data PATH`: runs a plan on the CPU trainer and writes a run folder.
struct Finetune: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Run a fine-tuning plan (zoo advise's plan.json, or one written by hand) on the CPU and write the fine-tuned model and its report.",
        discussion: """
            The plan fixes the model, the checkpoint, the preprocessing, the head, the frozen groups, the optimizer, \
            the schedule, the batch size, label smoothing, augmentation, early stopping, the seeds, the linear probe \
            (LP-FT) and whether frozen features are cached; docs/plan-schema.md lists every field and how the trainer \
            honours it. --learning-rate, --epochs and --batch-size override the plan; the report records every override.

            Data (--data, default: the plan's profile.dataset): an image folder (one subfolder per class, or train/, \
            val/, test/ each so), an IDX folder (train-images-idx3-ubyte[.gz] + labels, t10k-* as the test split), a \
            CSV, TSV or JSONL file (a header naming the label and text columns), or a folder of train/val/test text files. \
            Without a validation split, a seeded stratified --validation-fraction of the training data is held out \
            (whole --group-column groups when given). --folds K runs K-fold cross-validation instead, for small data \
            sets: the training (and any validation) examples are cut into K stratified folds (whole groups with \
            --group-column), and every seed trains on K − 1 folds and is validated on the fold left out; the report \
            gives the metric over all K × seeds runs, and the model of the best run is written. Images are decoded, resized, cropped and normalised as zoo run \
            does for the checkpoint's card; text is tokenized with the checkpoint folder's tokenizer.

            With cache_features and no augmentation, the frozen prefix runs once per dataset: its outputs are stored \
            under $ZOO_CACHE_DIR (default ~/.cache/zoo/features), keyed by the checkpoint's SHA-256, the cut, the \
            preprocessing and the examples, and reused by later seeds and runs. Every seed runs; the model of the \
            seed with the best validation metric is written.

            The run folder (--output) holds model/ (model.safetensors under canonical names, config.json with the \
            class names and preprocessing; zoo run, zoo evaluate and zoo convert read it), report.json, report.md, \
            report.html, metrics.csv, TensorBoard events (tensorboard/), plan.json as it ran, splits.json and run.json. \
            Every file is written atomically; an existing folder is replaced only with --force. While it runs, \
            checkpoint.safetensors is saved every --checkpoint-every steps, between seeds and on SIGINT or SIGTERM \
            (then exit 9); --resume RUN_DIR continues to the same weights and losses as a run that never stopped.

            Exit 8 when the plan's estimates exceed its budget (--force runs it anyway). \(ExitStatus.summary)
            """)

    @Option(help: "The plan (zoo advise writes plan.json).")
    var plan: String?

    @Option(help: "Continue the interrupted run in this folder, as it was started (its run.json and plan.json).")
    var resume: String?

    @Option(name: .customLong("checkpoint-every"), help: "Optimizer steps between checkpoints (also written on SIGINT or SIGTERM, and between seeds).")
    var checkpointEvery = 50

    @Option(help: "The labelled data (default: the plan's profile.dataset).")
    var data: String?

    @Option(help: "The checkpoint to start from (default: the plan's model.checkpoint.file, when that is a local file).")
    var weights: String?

    @Option(help: "The run folder to write (default: runs/MODEL-DATE-TIME).")
    var output: String?

    @Option(name: .customLong("learning-rate"), help: "Override the head's learning rate (the backbone's scales with it).")
    var learningRate: Double?

    @Option(help: "Override the number of passes over the training data.")
    var epochs: Double?

    @Option(name: .customLong("batch-size"), help: "Override the examples per optimizer step (the planned epochs are kept).")
    var batchSize: Int?

    @OptionGroup var dataOptions: DataCommandOptions

    @Option(name: .customLong("validation-fraction"), help: "The share of the training data held out for validation when the data has no validation split.")
    var validationFraction = 0.1

    @Option(help: "Run K-fold cross-validation over the training data (K ≥ 2) instead of holding out one validation split.")
    var folds: Int?

    @Option(name: .customLong("class-weights"), help: "Cross-entropy class weights: none, auto (n / (classes × count), as scikit-learn's 'balanced'), or a JSON object {\"class\": weight}.")
    var classWeights = "none"

    @Flag(name: .customLong("no-cache"), help: "Keep cached features in memory for this run only, not on disk.")
    var noCache = false

    @Flag(help: "Train without dropout, augmentation or mixup, batch-norm on its running statistics: for comparison with the exported PyTorch project's train.py --equivalence.")
    var equivalence = false

    @Flag(help: "Replace an existing run folder; run even when the estimates exceed the budget.")
    var force = false

    @Flag(help: "Print JSON events (one object per line) and the report as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard validationFraction > 0, validationFraction < 1 else { throw ValidationError("--validation-fraction must be in (0, 1)") }
        if let folds, folds < 2 { throw ValidationError("--folds must be at least 2") }
        guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be at least 1") }
        guard (plan == nil) != (resume == nil) else { throw ValidationError("give either --plan (a new run) or --resume RUN_DIR") }
    }

    func run() throws {
        StopSignal.install()
        let started = try resume.map { try Self.resumed($0) } ?? start()
        let display = TrainingDisplay(json: json)
        defer { display.finish() }
        let examples = started.data.folds.map { "\(started.data.train.count) examples in \($0.count) folds" }
            ?? "\(started.data.train.count) training and \(started.data.validation.count) validation examples"
        Diagnostics.say("zoo: \(started.job.plan.model.name) from \(started.invocation.weights): \(examples) of \(started.data.train.classes.count) classes")
        let report = try FineTuner(job: started.job, events: display.show).run(
            output: started.output, data: started.data.summary(classWeights: started.classWeights), overrides: started.invocation.overrides,
            test: started.data.test, force: force, resume: resume != nil, checkpointEvery: started.invocation.checkpointEvery, invocation: started.invocation)
        display.finish()
        if json { try printJSON(report) } else { print(FinetuneSummary(report: report, folder: started.output).text) }
    }

    /// What a run needs, resolved: the job, its data, how it was invoked, where it goes.
    struct Started {
        let job: FineTuneJob
        let data: TrainingData
        let invocation: RunInvocation
        let classWeights: [Double]?
        let output: String
    }

    /// A new run from the command line.
    func start() throws -> Started {
        let planFile = try FineTunePlan(path: plan!)
        let dataPath = try Self.dataPath(data, plan: planFile)
        let output = output ?? "runs/\(planFile.model.name)-\(Self.timestamp())"
        if FileManager.default.fileExists(atPath: output) && !force { throw TrainingError.runFolderExists(output) }
        let weights = try weights ?? Self.localCheckpoint(planFile, planPath: plan!)
        let loaded = try dataOptions.load(dataPath, kind: planFile.head.kind, validationFraction: validationFraction, seed: planFile.seeds[0], folds: folds)
        let (effective, overrides) = try PlanOverrides(learningRate: learningRate, epochs: epochs, batchSize: batchSize)
            .apply(to: planFile, examples: loaded.train.count)
        if !force { try Self.checkBudget(effective) }
        let invocation = RunInvocation(
            data: dataPath, weights: weights, validationFraction: validationFraction, folds: folds, classWeights: classWeights, limit: dataOptions.limit,
            evaluationLimit: dataOptions.evaluationLimit, labelColumn: dataOptions.labelColumn, textColumn: dataOptions.textColumn,
            pairColumn: dataOptions.pairColumn, groupColumn: dataOptions.groupColumn, skipBad: dataOptions.skipBad, cache: !noCache,
            checkpointEvery: checkpointEvery, overrides: overrides, equivalence: equivalence)
        return try Self.started(plan: effective, data: loaded, invocation: invocation, output: output)
    }

    /// An interrupted run, rebuilt from its folder.
    static func resumed(_ folder: String) throws -> Started {
        let invocation = try RunInvocation.read(folder)
        let plan = try FineTunePlan(path: folder + "/plan.json")
        let options = DataOptions(
            kind: plan.head.kind, labelColumn: invocation.labelColumn, textColumn: invocation.textColumn, pairColumn: invocation.pairColumn,
            groupColumn: invocation.groupColumn, skipBad: invocation.skipBad)
        let data = try TrainingData(
            path: invocation.data, options: options, validationFraction: invocation.validationFraction, seed: plan.seeds[0],
            limit: invocation.limit, evaluationLimit: invocation.evaluationLimit, folds: invocation.folds)
        return try started(plan: plan, data: data, invocation: invocation, output: folder)
    }

    static func started(plan: FineTunePlan, data: TrainingData, invocation: RunInvocation, output: String) throws -> Started {
        let classWeights = try data.classWeights(invocation.classWeights)
        let job = try FineTuneJob(
            plan: plan, weights: invocation.weights, train: data.train, validation: data.validation, folds: data.folds, classWeights: classWeights.map { $0.map(Float.init) },
            cache: invocation.cache ? .standard : nil, equivalence: invocation.equivalence ?? false)
        return Started(job: job, data: data, invocation: invocation, classWeights: classWeights, output: output)
    }

    /// `--data`, else the plan's dataset.
    static func dataPath(_ given: String?, plan: FineTunePlan) throws -> String {
        guard let path = given ?? plan.profile.dataset else { throw ValidationError("give --data: the plan names no dataset") }
        return path
    }

    /// The plan's checkpoint file, when it names one on this machine (absolute, or beside the plan).
    static func localCheckpoint(_ plan: FineTunePlan, planPath: String) throws -> String {
        let folder = URL(fileURLWithPath: planPath).deletingLastPathComponent().path
        for candidate in [plan.model.checkpoint.file, plan.model.checkpoint.file.map { folder + "/" + $0 }].compactMap({ $0 })
        where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw ValidationError("give --weights: the plan's checkpoint \(plan.model.checkpoint.name) (\(plan.model.checkpoint.file ?? "no file named")) is not a local file")
    }

    /// Refuses a plan whose own estimates say it will not fit its budget: memory above the budget's
    /// memory, or time whose low end exceeds the wall-clock budget.
    static func checkBudget(_ plan: FineTunePlan) throws {
        if let memory = plan.budget.memoryBytes, plan.estimates.peakMemoryBytes.low > Double(memory) {
            throw TrainingError.overBudget("the plan's estimated peak memory, at least \(Format.bytes(Int(plan.estimates.peakMemoryBytes.low))), exceeds its budget of \(Format.bytes(memory))")
        }
        if plan.estimates.trainingSeconds.low > plan.budget.wallClockSeconds {
            throw TrainingError.overBudget("the plan's estimated time, at least \(Int(plan.estimates.trainingSeconds.low)) s, exceeds its budget of \(Int(plan.budget.wallClockSeconds)) s")
        }
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date())
    }
}
