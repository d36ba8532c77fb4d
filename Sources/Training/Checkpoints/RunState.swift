import Foundation

/// Where a fine-tune is, as a checkpoint records it beside the tensors: the seed and phase, the
/// steps done, everything logged so far, early stopping's bookkeeping, the random draws made, and
/// the seeds already finished. With the tensors (weights, batch-norm statistics, optimizer
/// state, the best weights so far) it is all a resumed run needs to continue exactly.
struct RunState: Codable, Sendable {
    static let currentSchema = "zoo.run-state/1"

    struct EarlyStopping: Codable, Sendable {
        var best: Double?
        var bestStep: Int?
        var sinceBest: Int
    }

    var schema = Self.currentSchema
    /// The SHA-256 of the plan as it runs: a checkpoint of another plan is refused.
    var planSha256: String
    /// Index into the plan's seeds.
    var seedIndex: Int
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
    /// The best headline metric among the completed seeds, whose model is in `model/`.
    var keptSeed: UInt64?
    var keptValue: Double?
}
