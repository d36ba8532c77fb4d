import Architectures
import CheckpointFormats
import Dispatch
import Engine
import Foundation
import Plans
import Tensors

/// Runs a `FineTuneJob` for every seed of its plan (on every fold, under cross-validation) into a run folder: `plan.json` (as it runs)
/// `splits.json` and `run.json` (how it was started) first; `checkpoint.safetensors` every `checkpointEvery` steps, on SIGINT or
/// SIGTERM (after `StopSignal.install()`) and between runs; the model of the run with the best
/// validation headline so far as a `ModelFolder` in `model/`; at the end `metrics.csv`,
/// `report.md`, `report.html`, TensorBoard events in `tensorboard/seed-<seed>/` (`fold-<k>-seed-<seed>/`) and `report.json`
/// (written last: a folder with a report is complete), and the checkpoint removed.
/// Every file is written atomically, so a run killed at any moment leaves whole files, and
/// `resume` continues from the last checkpoint to the same weights and losses as a run that
/// never stopped (at the same thread count).
public struct FineTuner {
    public let job: FineTuneJob
    public let events: (TrainingEvent) -> Void

    public init(job: FineTuneJob, events: @escaping (TrainingEvent) -> Void = { _ in }) {
        (self.job, self.events) = (job, events)
    }

    /// Runs into `output`; `test` is evaluated with the kept model. `force` replaces an existing
    /// folder and skips the memory check (`MemoryNeed` against the plan's budget and the machine's
    /// available memory, before anything is written); `resume` continues the checkpoint in it.
    public func run(
        output: String, data: FineTuneReport.DataSummary, overrides: [FineTuneReport.Override], test: LabelledExamples?, force: Bool,
        resume: Bool = false, checkpointEvery: Int = 50, invocation: RunInvocation? = nil
    ) throws -> FineTuneReport {
        let manager = FileManager.default
        let planSha256 = Self.digest(try job.plan.json())
        let memory = try MemoryNeed(job: job)
        var state: RunState, saved: [String: [Float]]?
        let checkpointFile = output + "/" + RunCheckpoint.fileName
        if resume && manager.fileExists(atPath: output + "/report.json") { throw TrainingError.cannotResume("\(output) is a finished run (it has its report.json)") }
        if resume {
            // A run killed by SIGKILL while it staged a folder (or on a file system without unnamed files) leaves its temporaries.
            let removed = TemporaryName.removeLeftovers(in: output)
            if !removed.isEmpty { events(.note("removed what the killed run left half-written: " + removed.joined(separator: ", "))) }
        }
        if resume && manager.fileExists(atPath: checkpointFile) {
            (state, saved) = try RunCheckpoint.read(output)
            guard state.planSha256 == planSha256 else { throw TrainingError.cannotResume("\(output)'s checkpoint belongs to another plan (or other overrides)") }
            let splits = try? RegularFile.read(output + "/splits.json")
            guard splits == Array(try Self.splits(train: job.train, validation: job.validation, folds: job.folds, test: test)) + [0x0A] else {
                throw TrainingError.cannotResume("the data read now differs from \(output)/splits.json: it changed since the run started")
            }
            let run = job.run(state.runIndex)
            events(.note("resuming \(SeedResult.name(seed: run.seed, fold: run.fold)) at \(state.phase) step \(state.step)"))
        } else {
            if !force && !resume { try memory.check(budget: job.plan.budget.memoryBytes, available: MemoryNeed.available) }
            if resume {
                events(.note("\(output) has no checkpoint yet: starting from the beginning"))
            } else if manager.fileExists(atPath: output) {
                guard force else { throw TrainingError.runFolderExists(output) }
                try manager.removeItem(atPath: output)
            }
            try manager.createDirectory(atPath: output, withIntermediateDirectories: true)
            if let invocation { try AtomicFile.write(Array(try invocation.json()) + [0x0A], to: output + "/" + RunInvocation.fileName) }
            try AtomicFile.write(Array(try job.plan.json()) + [0x0A], to: output + "/plan.json")
            try AtomicFile.write(Array(try Self.splits(train: job.train, validation: job.validation, folds: job.folds, test: test)) + [0x0A], to: output + "/splits.json")
            state = RunState(
                planSha256: planSha256, runIndex: 0, phase: "linear_probe", step: 0, records: [], evaluations: [], earlyStopping: nil,
                randomDraws: 0, batchesTracked: [:], loadingSeconds: 0, seconds: 0, completed: [], keptRun: nil, keptValue: nil)
            saved = nil
        }
        for warning in job.warnings { events(.note("warning: " + warning)) }
        let headline = EvaluationMetrics.headline(for: job.plan.head.kind)
        let checkpointing = Checkpointing(folder: output, every: max(1, checkpointEvery))
        while state.runIndex < job.runCount {
            let run = try SeedRun(job: job, state: state, events: events, checkpointing: checkpointing)
            let fresh = state.step == 0 && state.phase == "linear_probe"
            let result = try run.run(from: fresh ? nil : saved)
            state.completed.append(result)
            let value = result.validation.value(of: headline) ?? -.infinity
            if state.keptValue.map({ value > $0 }) ?? true {
                try job.writeModel(run.store, to: output + "/model")
                (state.keptRun, state.keptValue) = (state.completed.count - 1, value)
            }
            (state.runIndex, state.phase, state.step, state.records, state.evaluations) = (state.runIndex + 1, "linear_probe", 0, [], [])
            saved = nil
            if state.runIndex < job.runCount { try RunCheckpoint.write(state, tensors: [], to: output) }
        }
        var testMetrics: EvaluationMetrics?
        if let test, !test.examples.isEmpty {
            events(.phase("test set, \(test.count) examples"))
            testMetrics = try ModelEvaluation(folder: output + "/model", examples: test, batch: job.plan.batchSize).metrics
        }
        let results = state.completed
        let seconds = results.reduce(0) { $0 + $1.seconds }
        let freezePlan = FreezePlan(job.graph, frozen: job.plan.freeze.frozen, input: job.input)
        let report = FineTuneReport(
            planSha256: planSha256, overrides: overrides,
            model: .init(
                name: job.plan.model.name, checkpoint: job.checkpoint.path, checkpointSha256: job.checkpointDigest,
                convention: job.checkpoint.reading.convention, frozen: job.plan.freeze.frozen, trained: job.plan.freeze.trainable,
                trainableParameters: freezePlan.trainableParameters),
            data: data, seeds: results, summary: .init(metric: headline, values: results.map { $0.validation.value(of: headline) ?? .nan }),
            keptRun: state.keptRun!, test: testMetrics,
            resources: .init(
                seconds: seconds, loadingShare: results.reduce(0) { $0 + $1.loadingSeconds } / max(seconds, 1e-9), peakResidentBytes: Self.peakResidentBytes,
                plannedBytes: memory.totalBytes,
                estimatedSeconds: job.plan.estimates.trainingSeconds.expected, estimatedPeakBytes: job.plan.estimates.peakMemoryBytes.expected,
                threads: workerThreadCount),
            modelFolder: "model", warnings: job.warnings)
        try AtomicFile.write(Array(report.metricsCSV(headline: headline).utf8), to: output + "/metrics.csv")
        let title = "\(job.plan.model.name) fine-tuned: \(URL(fileURLWithPath: output).lastPathComponent)"
        try AtomicFile.write(Array(report.markdown(title: title).utf8), to: output + "/report.md")
        try AtomicFile.write(Array(report.html(title: title).utf8), to: output + "/report.html")
        let now = Date().timeIntervalSince1970
        for (name, bytes) in report.tensorBoardEvents(wallTime: now) {
            let folder = output + "/tensorboard/" + name
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try AtomicFile.write(bytes, to: folder + "/events.out.tfevents.\(Int(now)).zoo")
        }
        try AtomicFile.write(Array(try report.json()) + [0x0A], to: output + "/report.json")
        try? manager.removeItem(atPath: output + "/" + RunCheckpoint.fileName)
        return report
    }

    /// `splits.json`: the class names and every example's origin per split, in training order, so
    /// the run can be reproduced elsewhere (the exported PyTorch project and `make finetune-check` read it).
    /// Under cross-validation `folds` lists each fold's indices into `train`, and `validation` is empty.
    public static func splits(train: LabelledExamples, validation: LabelledExamples, folds: [[Int]]?, test: LabelledExamples?) throws -> Data {
        func entries(_ set: LabelledExamples) -> [[String: Any]] {
            set.examples.map { example in
                let target: Any
                switch example.target {
                case .label(let label): target = label
                case .labels(let labels): target = labels
                case .values(let values): target = values.map(Double.init)
                }
                return ["origin": example.origin, "target": target]
            }
        }
        var object: [String: Any] = ["classes": train.classes, "train": entries(train), "validation": entries(validation)]
        if let test { object["test"] = entries(test) }
        if let folds { object["folds"] = folds }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    static func digest(_ data: Data) -> String {
        let digest = SHA256Digest()
        data.withUnsafeBytes { digest.update($0) }
        return digest.hex()
    }

    /// This process's peak resident set size (`getrusage`'s `ru_maxrss`, KiB on Linux).
    static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
