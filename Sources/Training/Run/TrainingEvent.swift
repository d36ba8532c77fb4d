import Foundation

/// What a fine-tune reports while it runs, for a progress bar, log lines or `--json` events.
public enum TrainingEvent: Sendable {
    /// A phase begins: caching features, the linear probe, the main run of a seed.
    case phase(String)
    /// Examples done of a phase's `total` (feature caching, evaluation).
    case progress(done: Int, total: Int)
    /// An optimizer step ended.
    case step(StepRecord)
    /// An evaluation over the whole validation set ended.
    case evaluation(EvaluationRecord)
    /// Something the user should know (early stop, a cache reused).
    case note(String)
}

/// One optimizer step's loss and learning rate.
public struct StepRecord: Codable, Equatable, Sendable {
    public var seed: UInt64
    /// `linear_probe` or `fine_tune`.
    public var phase: String
    /// 1-based.
    public var step: Int
    public var steps: Int
    public var epoch: Int
    public var loss: Double
    /// The head's learning rate after the schedule.
    public var learningRate: Double
    public var examplesPerSecond: Double
}

/// The metrics of one evaluation.
public struct EvaluationRecord: Codable, Equatable, Sendable {
    public var seed: UInt64
    public var phase: String
    public var step: Int
    public var metrics: EvaluationMetrics
}
