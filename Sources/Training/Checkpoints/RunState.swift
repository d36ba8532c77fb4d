import Foundation

/// Where a fine-tune is, as a checkpoint records it beside the tensors: the run (seed and fold) and phase, the
/// steps done, everything logged so far, early stopping's bookkeeping, the random draws made, and
/// the runs already finished. With the tensors (weights, batch-norm statistics, optimizer
/// state, the best weights so far) it is all a resumed run needs to continue exactly.
struct RunState: Codable, Sendable {
    static let currentSchema = "zoo.run-state/2"

    struct EarlyStopping: Codable, Sendable {
        var best: Double?
        var bestStep: Int?
        var sinceBest: Int
    }

    var schema = Self.currentSchema
    /// The SHA-256 of the plan as it runs: a checkpoint of another plan is refused.
    var planSha256: String
    /// The run under way (`FineTuneJob.run(_:)`): an index into the plan's seeds, fold by fold under cross-validation.
    var runIndex: Int
    /// `linear_probe` or `fine_tune`.
    var phase: String
    /// Optimizer steps completed in the phase.
    var step: Int
    var records: [StepRecord]
    var evaluations: [EvaluationRecord]
    var earlyStopping: EarlyStopping?
    /// Dropout masks drawn by the phase's training plan.
    var randomDraws: UInt64
    /// `num_batches_tracked` of every batch-norm.
    var batchesTracked: [String: Int64]
    var loadingSeconds: Double
    /// Seconds the seed has run so far, over every resume.
    var seconds: Double
    var completed: [SeedResult]
    /// The completed run with the best headline metric (an index into `completed`), whose model is in `model/`.
    var keptRun: Int?
    var keptValue: Double?
}
