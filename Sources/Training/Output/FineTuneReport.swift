import Architectures
import Foundation
import Plans

/// `report.json`: everything a fine-tune did and gave, for scripts (snake_case) and for the
/// Markdown and HTML reports made from it.
public struct FineTuneReport: Codable, Sendable {
    public static let currentSchema = "zoo.finetune-report/1"

    /// A plan value the command line changed.
    public struct Override: Codable, Equatable, Sendable {
        public var field: String
        public var planned: String
        public var used: String

        public init(field: String, planned: String, used: String) { (self.field, self.planned, self.used) = (field, planned, used) }
    }

    public struct ModelSummary: Codable, Sendable {
        public var name: String
        public var checkpoint: String
        public var checkpointSha256: String
        public var convention: Convention
        public var frozen: [FreezeGroup]
        public var trained: [FreezeGroup]
        public var trainableParameters: Int
    }

    public struct DataSummary: Codable, Sendable {
        public var source: String
        public var trainExamples: Int
        public var validationExamples: Int
        public var testExamples: Int?
        /// How the validation set was made: given by the data, or a seeded stratified split.
        public var validationSource: String
        public var classes: [String]
        /// Training examples per class, in `classes` order.
        public var trainCounts: [Int]
        public var classWeights: [Float]?
        /// Examples left out under `--skip-bad`, with why.
        public var skipped: [String]
    }

    /// A metric over the runs (the seeds, on every fold under cross-validation).
    public struct Spread: Codable, Sendable {
        public var metric: String
        public var values: [Double]
        public var mean: Double
        /// The sample standard deviation (0 for one run).
        public var standardDeviation: Double
        public var minimum: Double
        public var maximum: Double

        public init(metric: String, values: [Double]) {
            self.metric = metric
            self.values = values
            let mean = values.reduce(0, +) / Double(max(values.count, 1))
            self.mean = mean
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            standardDeviation = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
            (minimum, maximum) = (values.min() ?? .nan, values.max() ?? .nan)
        }
    }

    public struct Resources: Codable, Sendable {
        public var seconds: Double
        /// The share of the run the trainer waited for data: batches not ready in time (they are made ahead
        /// on a worker thread), evaluation inputs, and computing cached features.
        public var loadingShare: Double
        public var peakResidentBytes: Int
        /// What the compiled training plan holds (`MemoryNeed`): weights, gradients, optimizer state, activations, batches.
        public var plannedBytes: Int
        public var estimatedSeconds: Double?
        public var estimatedPeakBytes: Double?
        public var threads: Int
    }

    public var schema = Self.currentSchema
    public var planSha256: String
    public var overrides: [Override]
    public var model: ModelSummary
    public var data: DataSummary
    public var seeds: [SeedResult]
    /// The headline metric over the runs' kept weights, each on its validation set (its held-out fold).
    public var summary: Spread
    /// The run whose model was written (the best headline metric): an index into `seeds`.
    public var keptRun: Int
    /// The written model on the test split, when the data has one.
    public var test: EvaluationMetrics?
    public var resources: Resources
    /// Paths inside the run folder.
    public var modelFolder: String
    /// What the plan asked that the trainer did not do.
    public var warnings: [String]

    /// Pretty-printed, sorted, snake_case JSON.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// `metrics.csv`: one row per training step (`fold` empty without cross-validation) (split `train`: the batch's loss) and per
    /// evaluation (split `validation`: the whole set's loss and headline metric).
    public func metricsCSV(headline: String) -> String {
        var lines = ["fold,seed,phase,step,epoch,split,loss,\(headline),learning_rate"]
        for seed in seeds {
            var evaluations = seed.evaluations[...]
            let fold = seed.fold.map { "\($0 + 1)" } ?? ""
            for record in seed.losses {
                lines.append("\(fold),\(record.seed),\(record.phase),\(record.step),\(record.epoch),train,\(record.loss),,\(record.learningRate)")
                while let next = evaluations.first, next.phase == record.phase, next.step == record.step {
                    let value = next.metrics.value(of: headline).map { "\($0)" } ?? ""
                    lines.append("\(fold),\(next.seed),\(next.phase),\(next.step),\(record.epoch),validation,\(next.metrics.loss),\(value),")
                    evaluations.removeFirst()
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
