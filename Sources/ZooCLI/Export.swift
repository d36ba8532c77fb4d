import ArgumentParser
import Foundation
import ModelZoo

/// `zoo export --plan plan.json --to torchrun`: the plan as a PyTorch DDP project.
struct Export: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a plan's fine-tune as a PyTorch torchrun (DDP) project that trains what zoo finetune trains.",
        discussion: """
            --to torchrun writes a self-contained folder (--output, default torchrun-MODEL): train.py (the model built \
            by torchvision, timm or transformers; DDP over gloo on CPU or NCCL on GPU; the plan's freezing, optimizer \
            and parameter groups, schedule, loss, augmentation, linear probe, early stopping and seeds; rank-0 atomic \
            checkpoints and --resume; the run folder zoo finetune writes), data.py (the data layouts zoo finetune \
            reads), launch.sh, requirements.txt and a README with single-node, multi-node and Slurm launch lines. \
            Beside them: plan.json, splits.json (zoo's split of --data), project.json (the model's freeze groups and \
            how the data was read), initial/ (the checkpoint with each seed's fresh head, as zoo finetune starts) and \
            order.npz (zoo's per-epoch example order). train.py --equivalence trains in zoo's order without dropout, \
            in fp32 with deterministic algorithms, for comparison with zoo finetune --equivalence.

            The data options are zoo finetune's; the split is fixed at export (re-export to change the data). The \
            folder is written whole or not at all; an existing non-empty folder is replaced only with --force. \
            \(ExitStatus.summary)
            """)

    @Option(help: "The plan (zoo advise writes plan.json).")
    var plan: String

    @Option(help: "What to write: torchrun (a PyTorch DDP project).")
    var to: Target

    @Option(help: "The labelled data (default: the plan's profile.dataset).")
    var data: String?

    @Option(help: "The checkpoint to start from (default: the plan's model.checkpoint.file, when that is a local file).")
    var weights: String?

    @Option(help: "The project folder to write (default: torchrun-MODEL).")
    var output: String?

    @OptionGroup var dataOptions: DataCommandOptions

    @Option(name: .customLong("validation-fraction"), help: "The share of the training data held out for validation when the data has no validation split.")
    var validationFraction = 0.1

    @Option(name: .customLong("class-weights"), help: "Cross-entropy class weights: none, auto, or a JSON object {\"class\": weight} (as zoo finetune).")
    var classWeights = "none"

    @Flag(help: "Replace an existing output folder.")
    var force = false

    @Flag(help: "Print what was written as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case torchrun
    }

    func validate() throws {
        guard validationFraction > 0, validationFraction < 1 else { throw ValidationError("--validation-fraction must be in (0, 1)") }
    }

    func run() throws {
        let planFile = try FineTunePlan(path: plan)
        let dataPath = try Finetune.dataPath(data, plan: planFile)
        let output = output ?? "torchrun-\(planFile.model.name)"
        try TorchrunProject.checkOutput(output, force: force)
        let weights = try weights ?? Finetune.localCheckpoint(planFile, planPath: plan)
        let loaded = try dataOptions.load(dataPath, kind: planFile.head.kind, validationFraction: validationFraction, seed: planFile.seeds[0])
        let classWeights = try loaded.classWeights(self.classWeights)
        let job = try FineTuneJob(
            plan: planFile, weights: weights, train: loaded.train, validation: loaded.validation, classWeights: classWeights.map { $0.map(Float.init) }, cache: nil)
        let project = try TorchrunProject(job: job, dataPath: dataPath, options: dataOptions.options(kind: planFile.head.kind), test: loaded.test)
        Diagnostics.say("zoo: exporting \(planFile.model.name) (\(project.library.rawValue)) with \(loaded.train.count) training and \(loaded.validation.count) validation examples")
        let files = try project.write(to: output, force: force)
        if json {
            try printJSON(ExportSummary(output: output, library: project.library.rawValue, files: files))
        } else {
            print("wrote \(output)/ (\(files.count) files) for \(project.library.rawValue)")
            print("  run:  cd \(output) && pip install -r requirements.txt && ./launch.sh --nproc 2")
            print("  more: \(output)/README.md")
        }
    }

    struct ExportSummary: Encodable {
        let output: String
        let library: String
        let files: [String]
    }
}
