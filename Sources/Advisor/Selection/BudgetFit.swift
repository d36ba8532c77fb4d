import Architectures
import Foundation
import Plans

/// Fits a candidate's training into the budget, changing as little as it can and saying what it
/// changed: a smaller batch (steps scaled to keep the epochs) to fit memory; fewer seeds, then
/// fewer steps (at least one pass over the data) to fit the wall clock; and when not even one pass
/// fits, a linear head on cached features, the cheapest plan that still learns the task. What
/// still does not fit is an exclusion, with the least time the candidate needs.
struct BudgetFit {
    private(set) var run: TrainingRun
    private(set) var warnings: [String] = []
    private(set) var exclusions: [String] = []
    /// Whether the plan had to give up something the rules asked for to fit the time: seeds,
    /// steps, or the freeze depth (a smaller batch, which keeps the epochs, does not count).
    private(set) var compromised = false
    /// The least wall-clock time in which this candidate can make one pass (a linear head on cached features).
    private(set) var minimumSeconds: Double

    init(_ graph: ModelGraph, input: InputSpec?, profile: TaskProfile, budget: ComputeBudget, device: DeviceClass) {
        let decide = { (freeze: FreezeDecision) in
            TrainingRun(graph, input: input, freeze: freeze, training: HyperparameterRule.decide(profile, freeze: freeze), examples: profile.examples, device: device)
        }
        let headOnly = decide(Self.headOnly(graph))
        minimumSeconds = headOnly.seconds(steps: headOnly.stepsPerEpoch)
        run = decide(FreezeDepthRule.decide(profile, graph: graph))
        let memoryLimit = min(budget.memoryBytes ?? .max, device.memoryBytes)
        let memoryName = budget.memoryBytes != nil ? "the \(Quantities.text(bytes: memoryLimit)) memory limit" : "\(device.name)'s \(Quantities.text(bytes: memoryLimit))"
        fitMemory(memoryLimit, memoryName, graph, input, device)
        guard exclusions.isEmpty else { return }
        if !fitTime(budget.wallClockSeconds), !(run.freeze.trainable == [.head] && run.freeze.cacheFeatures) {
            let wanted = run.freeze.trainable.map(\.description).joined(separator: ", ")
            let perEpoch = run.seconds(steps: run.stepsPerEpoch)
            run = headOnly
            compromised = true
            warnings.append("The budget (\(Quantities.text(seconds: budget.wallClockSeconds))) cannot make one pass over the \(profile.examples) examples training \(wanted) "
                + "(\(Quantities.text(seconds: perEpoch)) per pass): this plan trains only a linear head on cached features instead. Give at least "
                + "\(Quantities.text(seconds: perEpoch)) to fine-tune as recommended.")
            fitMemory(memoryLimit, memoryName, graph, input, device)
            guard exclusions.isEmpty else { return }
            _ = fitTime(budget.wallClockSeconds)
        }
    }

    /// Halves the batch until the peak fits `limit`, keeping the epochs; an exclusion when batch 1 does not fit.
    private mutating func fitMemory(_ limit: Int, _ limitName: String, _ graph: ModelGraph, _ input: InputSpec?, _ device: DeviceClass) {
        let original = run.training.batchSize
        while run.peakBytes > limit, run.training.batchSize > 1 {
            var training = run.training
            let batch = training.batchSize / 2
            // Twice the steps at half the batch: the same epochs.
            training.schedule = Self.scaled(training.schedule, by: Double(training.batchSize) / Double(batch))
            training.schedule.epochs = run.training.schedule.epochs
            training.batchSize = batch
            training.earlyStopping?.evaluateEverySteps = (run.examples + batch - 1) / batch
            run = TrainingRun(graph, input: input, freeze: run.freeze, training: training, examples: run.examples, device: device)
        }
        if run.peakBytes > limit {
            exclusions.append("needs \(Quantities.text(bytes: run.peakBytes)) at batch 1, over \(limitName)")
        } else if run.training.batchSize < original {
            warnings.append("Batch lowered from \(original) to \(run.training.batchSize) to fit \(limitName) (\(Quantities.text(bytes: run.peakBytes)) at the peak); steps scaled to keep \(String(format: "%.1f", run.training.schedule.epochs)) epochs.")
        }
    }

    /// Cuts seeds, then steps, to fit `seconds`; false when not even one pass fits.
    private mutating func fitTime(_ seconds: Double) -> Bool {
        guard run.totalSeconds > seconds else { return true }
        var training = run.training
        let available = seconds - run.probeSeconds
        let seedsThatFit = Int(available / run.secondsPerSeed)
        if training.seeds.count > 1, seedsThatFit >= 1 {
            warnings.append("Only \(seedsThatFit) of the \(training.seeds.count) seeds fit the budget: fewer seeds make an unlucky run more likely.")
            training.seeds = Array(training.seeds.prefix(seedsThatFit))
            run.training = training
            compromised = true
            return true
        }
        training.seeds = Array(training.seeds.prefix(1))
        let perStep = run.freeze.cacheFeatures ? run.cost.cachedStepSeconds : run.cost.stepSeconds
        // Caching's one prefix pass comes before any step.
        let steps = Int((available - run.seconds(steps: 0)) / perStep)
        guard steps >= run.stepsPerEpoch, available > 0 else { return false }
        warnings.append("The budget allows \(steps) of the \(training.schedule.steps) steps (\(String(format: "%.1f", Double(steps) / Double(run.stepsPerEpoch))) epochs): "
            + "the schedule is shortened to fit, which may cost accuracy.")
        training.schedule = Self.scaled(training.schedule, by: Double(steps) / Double(training.schedule.steps))
        run.training = training
        compromised = true
        return true
    }

    /// The schedule with its steps, warm-up, milestones and epochs multiplied by `factor`.
    static func scaled(_ schedule: FineTunePlan.Schedule, by factor: Double) -> FineTunePlan.Schedule {
        var scaled = schedule
        scaled.steps = max(1, Int((Double(schedule.steps) * factor).rounded()))
        scaled.warmupSteps = min(scaled.steps, Int((Double(schedule.warmupSteps) * factor).rounded()))
        scaled.milestones = schedule.milestones.map { $0.map { min(scaled.steps, max(1, Int((Double($0) * factor).rounded()))) } }
        scaled.epochs = schedule.epochs * factor
        return scaled
    }

    /// Everything frozen but the head, on cached features.
    static func headOnly(_ graph: ModelGraph) -> FreezeDecision {
        FreezeDecision(
            frozen: graph.freezeGroups.filter { $0 != .head }, trainable: [.head], cacheFeatures: true, linearProbeFirst: false, layerwiseDecay: false,
            reasons: [.init(decision: "freeze", text: "The budget cannot fit one pass of fine-tuning: freeze the whole backbone and train a linear head on its features, computed once and cached, the cheapest plan that still learns the task.", evidence: [Evidence.cs231n, Evidence.featureCache])])
    }
}
