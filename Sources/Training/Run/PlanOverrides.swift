import Foundation
import Plans

/// The command line's changes to a plan's learning rate, epochs and batch size, applied so that
/// the rest of the plan keeps its meaning: a new head learning rate scales the backbone's by the
/// same factor; a new batch size keeps the planned epochs (steps recomputed); new epochs set the
/// steps over the training examples at hand. Warm-up and milestones keep their share of the run.
/// Every change is recorded for the report.
public struct PlanOverrides: Sendable, Equatable {
    public var learningRate: Double?
    public var epochs: Double?
    public var batchSize: Int?

    public init(learningRate: Double? = nil, epochs: Double? = nil, batchSize: Int? = nil) {
        (self.learningRate, self.epochs, self.batchSize) = (learningRate, epochs, batchSize)
    }

    /// `plan` with the overrides applied for `examples` training examples, and what changed.
    public func apply(to plan: FineTunePlan, examples: Int) throws(ProfileError) -> (plan: FineTunePlan, changes: [FineTuneReport.Override]) {
        var plan = plan, changes: [FineTuneReport.Override] = []
        func record(_ field: String, _ old: some CustomStringConvertible, _ new: some CustomStringConvertible) {
            if "\(old)" != "\(new)" { changes.append(.init(field: field, planned: "\(old)", used: "\(new)")) }
        }
        if let learningRate {
            guard learningRate > 0, learningRate.isFinite else { throw ProfileError("--learning-rate", "must be positive, got \(learningRate)") }
            let factor = learningRate / plan.optimizer.headLearningRate
            record("optimizer.head_learning_rate", plan.optimizer.headLearningRate, learningRate)
            record("optimizer.backbone_learning_rate", plan.optimizer.backboneLearningRate, plan.optimizer.backboneLearningRate * factor)
            plan.optimizer.headLearningRate = learningRate
            plan.optimizer.backboneLearningRate *= factor
        }
        if let batchSize {
            guard batchSize >= 1 else { throw ProfileError("--batch-size", "must be at least 1, got \(batchSize)") }
            record("batch_size", plan.batchSize, batchSize)
            plan.batchSize = batchSize
        }
        if epochs != nil || batchSize != nil {
            let epochs = epochs ?? plan.schedule.epochs
            guard epochs > 0, epochs.isFinite else { throw ProfileError("--epochs", "must be positive, got \(epochs)") }
            let steps = max(1, Int((epochs * Double(examples) / Double(plan.batchSize)).rounded(.up)))
            let scale = Double(steps) / Double(plan.schedule.steps)
            record("schedule.epochs", plan.schedule.epochs, epochs)
            record("schedule.steps", plan.schedule.steps, steps)
            let warmup = min(steps, Int((Double(plan.schedule.warmupSteps) * scale).rounded()))
            record("schedule.warmup_steps", plan.schedule.warmupSteps, warmup)
            if let milestones = plan.schedule.milestones {
                let scaled = milestones.map { max(1, Int((Double($0) * scale).rounded())) }
                record("schedule.milestones", milestones, scaled)
                plan.schedule.milestones = scaled
            }
            (plan.schedule.epochs, plan.schedule.steps, plan.schedule.warmupSteps) = (epochs, steps, warmup)
        }
        return (plan, changes)
    }
}
