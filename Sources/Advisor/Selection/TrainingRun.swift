import Architectures
import Plans

/// One way to train a candidate, priced: the freeze decision, the training settings, the LP-FT
/// phase when there is one, and what it all costs on the budget's device.
struct TrainingRun: Sendable {
    let freeze: FreezeDecision
    /// Steps and seeds may change without pricing again (the cost is per step); a new batch size needs a new run.
    var training: HyperparameterDecision
    let linearProbe: FineTunePlan.LinearProbe?
    /// A step of the main run.
    let cost: CostEstimate
    /// The LP-FT phase's head-only steps, when there is one.
    let probeCost: CostEstimate?
    let examples: Int

    /// Epochs of the LP-FT phase: a ceiling for training a linear head on cached features (our own
    /// choice; Kumar et al. train the probe to convergence).
    static let linearProbeEpochs = 10

    init(_ graph: ModelGraph, input: InputSpec?, freeze: FreezeDecision, training: HyperparameterDecision, examples: Int, device: DeviceClass) {
        self.freeze = freeze
        self.training = training
        self.examples = examples
        cost = CostModel.estimate(graph, frozen: freeze.frozen, batch: training.batchSize, input: input, optimizer: training.optimizer.kind, device: device)
        if freeze.linearProbeFirst {
            let stepsPerEpoch = (examples + training.batchSize - 1) / training.batchSize
            linearProbe = .init(learningRate: training.optimizer.headLearningRate, steps: Self.linearProbeEpochs * stepsPerEpoch, epochs: Double(Self.linearProbeEpochs))
            probeCost = CostModel.estimate(graph, frozen: graph.freezeGroups.filter { $0 != .head }, batch: training.batchSize, input: input,
                                           optimizer: training.optimizer.kind, device: device)
        } else {
            (linearProbe, probeCost) = (nil, nil)
        }
    }

    /// Steps in one pass over the examples.
    var stepsPerEpoch: Int { (examples + training.batchSize - 1) / training.batchSize }

    /// The LP-FT phase: one pass to cache the features, then head-only steps.
    var probeSeconds: Double {
        guard let linearProbe, let probeCost else { return 0 }
        return probeCost.trainingSeconds(steps: linearProbe.steps, examples: examples, cachingFeatures: true)
    }

    /// One seed's main run.
    var secondsPerSeed: Double { seconds(steps: training.schedule.steps) }

    /// One seed's main run cut to `steps`.
    func seconds(steps: Int) -> Double { cost.trainingSeconds(steps: steps, examples: examples, cachingFeatures: freeze.cacheFeatures) }

    /// The whole plan: the LP-FT phase once, then the main run for every seed.
    var totalSeconds: Double { probeSeconds + Double(training.seeds.count) * secondsPerSeed }

    /// Peak memory of the main run or the probe phase, whichever is higher.
    var peakBytes: Int { max(cost.peakBytes, probeCost?.peakBytes ?? 0) }
}
