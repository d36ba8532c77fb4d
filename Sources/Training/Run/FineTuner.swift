import Architectures
import CheckpointFormats
import Dispatch
import Engine
import Foundation
import Plans
import Tensors

/// Runs a `FineTuneJob` for every seed of its plan and writes the run folder: the model of the
/// seed with the best validation headline as a `ModelFolder` in `model/`, `report.json`,
/// `metrics.csv` and the plan as it ran (`plan.json`). The folder is assembled beside the output
/// under a temporary name and renamed into place when complete, so it is never half-written.
public struct FineTuner {
    public let job: FineTuneJob
    public let events: (TrainingEvent) -> Void

    public init(job: FineTuneJob, events: @escaping (TrainingEvent) -> Void = { _ in }) {
        (self.job, self.events) = (job, events)
    }

    /// Runs and writes `output`; `test` is evaluated with the kept model. `force` replaces an existing `output`.
    public func run(output: String, data: FineTuneReport.DataSummary, overrides: [FineTuneReport.Override], test: LabelledExamples?, force: Bool) throws -> FineTuneReport {
        let manager = FileManager.default
        if manager.fileExists(atPath: output) && !force { throw TrainingError.runFolderExists(output) }
        let start = DispatchTime.now().uptimeNanoseconds
        let headline = EvaluationMetrics.headline(for: job.plan.head.kind)
        var results: [SeedResult] = []
        var kept: (run: SeedRun, value: Double)?
        for seed in job.plan.seeds {
            let run = try SeedRun(job: job, seed: seed, events: events)
            let result = try run.run()
            results.append(result)
            let value = result.validation.value(of: headline) ?? -.infinity
            if kept == nil || value > kept!.value { kept = (run, value) }
        }
        let best = kept!.run
        let staging = output + ".partial-\(getpid())"
        try? manager.removeItem(atPath: staging)
        try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        do {
            let config = ModelFolderConfig(model: job.plan.model.name, task: job.plan.head.kind, classNames: job.train.classes, preprocessing: job.plan.preprocessing)
            let baseConfig = job.tokenizerFolder.map { $0 + "/config.json" }
            try ModelFolder.write(best.store, graph: job.graph, config: config, baseConfig: baseConfig, tokenizerFolder: job.tokenizerFolder, to: staging + "/model")
            var testMetrics: EvaluationMetrics?
            if let test, !test.examples.isEmpty {
                events(.phase("test set, \(test.count) examples"))
                let training = try TrainingPlan(graph: job.graph, parameters: best.store, frozen: job.plan.freeze.frozen, input: job.input, batch: job.plan.batchSize, loss: job.loss)
                testMetrics = try best.evaluate(test, training, cached: nil).metrics
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let freezePlan = FreezePlan(job.graph, frozen: job.plan.freeze.frozen, input: job.input)
            let report = FineTuneReport(
                planSha256: try Self.digest(job.plan.json()), overrides: overrides,
                model: .init(
                    name: job.plan.model.name, checkpoint: job.checkpoint.path, checkpointSha256: job.checkpointDigest,
                    convention: job.checkpoint.reading.convention, frozen: job.plan.freeze.frozen, trained: job.plan.freeze.trainable,
                    trainableParameters: freezePlan.trainableParameters),
                data: data, seeds: results, summary: .init(metric: headline, values: results.map { $0.validation.value(of: headline) ?? .nan }),
                keptSeed: best.seed, test: testMetrics,
                resources: .init(
                    seconds: seconds, loadingShare: results.reduce(0) { $0 + $1.loadingSeconds } / max(seconds, 1e-9), peakResidentBytes: Self.peakResidentBytes,
                    estimatedSeconds: job.plan.estimates.trainingSeconds.expected, estimatedPeakBytes: job.plan.estimates.peakMemoryBytes.expected,
                    threads: workerThreadCount),
                modelFolder: "model")
            try AtomicFile.write(Array(try report.json()) + [0x0A], to: staging + "/report.json")
            try AtomicFile.write(Array(report.metricsCSV(headline: headline).utf8), to: staging + "/metrics.csv")
            try AtomicFile.write(Array(try job.plan.json()) + [0x0A], to: staging + "/plan.json")
            try AtomicFile.write(Array(try Self.splits(train: job.train, validation: job.validation, test: test)) + [0x0A], to: staging + "/splits.json")
            try Self.moveIntoPlace(staging, output)
            return report
        } catch {
            try? manager.removeItem(atPath: staging)
            throw error
        }
    }

    /// Renames `staging` to `output`, replacing an existing `output` only once the new one is complete.
    static func moveIntoPlace(_ staging: String, _ output: String) throws {
        let manager = FileManager.default
        let previous = output + ".previous-\(getpid())"
        let replacing = manager.fileExists(atPath: output)
        if replacing { try manager.moveItem(atPath: output, toPath: previous) }
        try manager.moveItem(atPath: staging, toPath: output)
        if replacing { try? manager.removeItem(atPath: previous) }
    }

    /// `splits.json`: the class names and every example's origin per split, in training order, so
    /// the run can be reproduced elsewhere (the exported PyTorch project and `make finetune-check` read it).
    static func splits(train: LabelledExamples, validation: LabelledExamples, test: LabelledExamples?) throws -> Data {
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
