import ArgumentParser
import Foundation
import ModelZoo

/// `zoo advise`: from a task, its data and a compute budget to a recommended base model, freeze
/// depth and hyperparameters, with reasons, alternatives and estimates, written as plan.json.
struct Advise: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recommend a base model, freeze depth and hyperparameters for a task and budget, and write plan.json.",
        discussion: """
            The task comes from flags, a YAML or JSON task file (--task-file; the same fields in snake_case, flags \
            override it) or, with --interactive, questions for whatever is still missing. Needed: the modality, \
            classes, examples (or --dataset to count them) and --budget. Task fields:
            \(DraftField.allCases.map { "  \($0.flag)\($0.isSwitch ? " [yes|no]" : " VALUE"): \($0.expected)" }.joined(separator: "\n"))

            Every registry model of the task's modality with a published checkpoint (zoo/ model cards) is a \
            candidate. Each gets a freeze depth and training settings from the evidence-based rules, fitted into \
            the budget (a smaller batch to fit memory; fewer seeds or steps to fit the time; a linear head on \
            cached features when not even one pass fits), priced by the cost model (this machine's CPU measured \
            by zoo calibrate, GPUs from datasheets), and checked against --max-parameters and --max-latency-ms \
            (one example on this CPU; on one GPU of the budget's class when the budget is a GPU and the deployment \
            is not --cpu-only). Feasible candidates are ranked by their published accuracy on the task's \
            benchmark (ImageNet top-1, SST-2, MNLI or STS-B), blended with LogME on your data for the checkpoints \
            given with --weights; --objective cheapest takes the cheapest within 2 points of the best.

            The summary shows the candidates, the chosen freeze depth as a bar over the model's groups (widths \
            by parameters), the settings, the estimates with their ranges, the reasons with their sources, the \
            alternatives and the warnings. plan.json (schema zoo.plan/1, docs/plan-schema.md) holds all of it, \
            written atomically. Exit 7 when nothing fits the budget and constraints: the plan written is then \
            the nearest candidate, and its warnings say what would make it fit.

            \(ExitStatus.summary)
            """)

    @Option(name: .customLong("task-file"), help: "A YAML or JSON task file; flags override its fields.")
    var taskFile: String?

    @Flag(help: "Ask for the task fields that flags and the task file leave out.")
    var interactive = false

    @Option(name: .customLong("weights"), help: "A local checkpoint to score with LogME on the sample: MODEL=PATH or PATH (repeat).")
    var weights: [String] = []

    @Option(help: "The labelled sample for --weights (default: --dataset): an image folder (a subfolder per class), an IDX folder, or a CSV, TSV, JSONL or label<TAB>text file.")
    var sample: String?

    @Option(name: .customLong("sample-size"), help: "Score on at most this many examples of the sample, balanced across classes.")
    var sampleSize = 500

    @Option(help: "Bootstrap resamples for the LogME spread.")
    var resamples = 100

    @Option(help: "Seed for choosing the sample and the resamples.")
    var seed: UInt64 = 0

    @Option(help: "Where to write the plan.")
    var output = "plan.json"

    @Option(help: "Also draw every candidate's training time against its published accuracy as an SVG.")
    var plot: String?

    @Flag(help: "List every candidate, not only the first ten and the excluded ones' first five.")
    var all = false

    @Flag(help: "Print JSON (the plan, every candidate and whether the plan fits) instead of the summary.")
    var json = false

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var taskFlags: [String] = []

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard sampleSize >= 2, (0...BootstrapScore.maximumResamples).contains(resamples) else {
            throw ValidationError("--sample-size must be at least 2 and --resamples 0 to \(BootstrapScore.maximumResamples)")
        }
        if let plot, !plot.lowercased().hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file") }
        if sample != nil, weights.isEmpty { throw ValidationError("--sample scores the checkpoints given with --weights: give at least one") }
    }

    func run() throws {
        let request = try self.request()
        guard !Models.cards.isEmpty else {
            throw AdviceError("no model cards: ZOO_CARDS names a folder without any (unset it to use the cards built into zoo)")
        }
        let (calibration, cached) = try CalibrationCache.current()
        if !cached { Diagnostics.say("calibrated this CPU once (\(String(format: "%.0f", calibration.seconds)) s; cached for next time)") }
        let scores = try sampleScores(request)
        let advice = try Advisor.advise(request, cards: Models.cards, calibration: calibration, sample: scores)
        try advice.plan.write(to: output)
        if let plot { try AtomicFile.write(Array(AdviceReport.plot(advice).svg().utf8), to: plot) }
        if json {
            try printJSON(AdviceReport.JSON(advice, output: output))
        } else {
            print(AdviceReport(advice: advice, sample: scores, showAll: all).text)
            print("\nPlan written to \(output)" + (plot.map { "; candidates drawn in \($0)" } ?? "") + ".")
        }
        if !advice.feasible { throw NothingFits(output: output) }
    }

    /// The task from the file, then the flags over it, then the questions for what is missing.
    private func request() throws -> AdviceRequest {
        var draft = TaskDraft()
        if let taskFile {
            do { draft = try TaskDraft(file: taskFile) } catch { throw TaskFileError(file: taskFile, problem: error) }
        }
        do {
            draft = draft.merging(try TaskDraft(flags: taskFlags))
        } catch {
            throw ValidationError(error.description)
        }
        return interactive ? try InteractiveCompletion.complete(draft, dialogue: TerminalDialogue()) : try draft.resolve()
    }

    /// LogME of each --weights checkpoint on the sample, by registry model.
    private func sampleScores(_ request: AdviceRequest) throws -> SampleScores? {
        guard !weights.isEmpty else { return nil }
        guard let data = sample ?? request.profile.dataset else {
            throw ValidationError("--weights needs a labelled sample to score on: give --sample PATH or --dataset PATH")
        }
        let computed = try CheckpointFeatures(checkpoints: weights, data: data, sample: sampleSize, seed: seed, batch: 8, tokenizer: nil)
        var scores = [String: BootstrapScore](), widths = [String: Int]()
        for entry in computed.entries {
            guard scores[entry.model] == nil else { throw ValidationError("two --weights are \(entry.model): give one checkpoint per model") }
            scores[entry.model] = try BootstrapScore.logME(features: entry.features, labels: computed.labels, resamples: resamples, seed: seed)
            widths[entry.model] = entry.features.columns
        }
        return SampleScores(examples: computed.labels.count, classes: computed.classes, scores: scores, featureWidths: widths)
    }
}

/// zoo's model cards could not be found.
struct AdviceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A task file that cannot be read or holds a field that does not parse.
struct TaskFileError: Error, CustomStringConvertible {
    let file: String
    let problem: ProfileError
    var description: String { problem.field == file ? "\(file): \(problem.reason)" : "\(file): \(problem)" }
}

/// No candidate fits the budget and constraints (exit 7).
struct NothingFits: Error, CustomStringConvertible {
    let output: String
    var description: String { "no candidate fits the budget and constraints; \(output) holds the nearest, and its warnings say what would make it fit" }
}
