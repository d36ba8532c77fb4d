import Architectures
import CheckpointFormats
import Engine
import Plans
import Training

/// A mistake an implementation could make, run on purpose to show that the fixture catches it.
enum Mistake: String, CaseIterable, Sendable {
    /// Weight decay on every tensor, biases and norm scales included.
    case decayEverything
    /// Each micro-batch's gradient weighted 1/k instead of n_i/N.
    case averagedMicroBatches
    /// No clipping.
    case noClipping
    /// Each step one schedule step late.
    case scheduleOneStepLate

    /// Whether a case exercises what the mistake gets wrong.
    func applies(to c: OptimizerCase) -> Bool {
        switch self {
        case .decayEverything: c.optimizer.weightDecay != 0
        case .averagedMicroBatches: Set(c.microBatchSizes).count > 1
        case .noClipping: c.clip != nil
        case .scheduleOneStepLate: true
        }
    }
}

/// One case run by zoo as a trainer would: per step, zero the gradients, accumulate each
/// micro-batch's loss-scaled gradient, clip, step at the schedule's factor.
struct FixtureRun {
    let store: ParameterStore
    let groups: [ParameterGroup]
    let optimizer: any Optimizer
    /// Each group's learning rate at each step.
    var learningRates: [[Double]] = []
    /// clip_grad_norm_'s result at each step (clipping cases).
    var totalNorms: [Float] = []
    /// The trainable tensors after each snapshot's steps, concatenated in the case's order.
    var snapshots: [[Float]] = []

    init(_ c: OptimizerCase, arrays: NpzReader, mistake: Mistake? = nil) throws {
        store = try OptimizerFixture.store(c, arrays: arrays)
        let settings = c.optimizer
        let rates = LayerwiseLearningRates(headLearningRate: settings.headLearningRate, backboneLearningRate: settings.backboneLearningRate,
                                           layerDecay: settings.layerDecay, weightDecay: settings.weightDecay)
        let groups = rates.groups(for: store)
        self.groups = mistake == .decayEverything
            ? groups.map { ParameterGroup(name: $0.name, parameters: $0.parameters, learningRate: $0.learningRate, weightDecay: settings.weightDecay) }
            : groups
        optimizer = settings.kind == "sgd"
            ? SGD(groups: self.groups, momentum: settings.momentum!, dampening: settings.dampening!, nesterov: settings.nesterov!)
            : AdamW(groups: self.groups, beta1: settings.betas![0], beta2: settings.betas![1], epsilon: settings.eps!)
        let schedule = FineTunePlan.Schedule.Kind(rawValue: c.schedule.kind)!.schedule(
            warmupSteps: c.schedule.warmupSteps, steps: c.schedule.steps, milestones: c.schedule.milestones)
        let accumulation = GradientAccumulation(examples: c.examples, microBatchSize: c.microBatchSize)
        let microBatches = accumulation.microBatches
        let trainable = c.trainable.map { store[$0]! }

        for step in 0..<c.schedule.steps {
            store.zeroGradients()
            for (micro, batch) in microBatches.enumerated() {
                let scale = mistake == .averagedMicroBatches ? Float(1.0 / Double(microBatches.count)) : accumulation.lossScale(examples: batch.count)
                // What the backward pass of the micro-batch's scaled loss adds to each gradient.
                for parameter in store.trainable {
                    let gradient = OptimizerFixture.gradient(step: step, micro: micro, name: parameter.name, count: parameter.count)
                    for k in 0..<parameter.count { parameter.gradient![k] += scale * gradient[k] }
                }
            }
            if let maxNorm = c.clip, mistake != .noClipping {
                totalNorms.append(GradientClipping.clipGlobalNorm(of: store.trainable, maxNorm: maxNorm))
            }
            let factor = schedule.factor(at: mistake == .scheduleOneStepLate ? step + 1 : step)
            learningRates.append(self.groups.map { $0.scheduledLearningRate(factor: factor) })
            optimizer.step(learningRateFactor: factor)
            if c.snapshots.contains(step + 1) { snapshots.append(trainable.flatMap(\.valueArray)) }
        }
    }

    /// The optimizer's state under torch's key, concatenated in the case's trainable order.
    func state(_ key: String, of c: OptimizerCase) -> [Float]? {
        switch (optimizer, key) {
        case (let sgd as SGD, "momentum_buffer"): c.trainable.flatMap { sgd.state[$0]?.momentumBuffer ?? [] }
        case (let adamW as AdamW, "exp_avg"): c.trainable.flatMap { adamW.state[$0]?.firstMoment ?? [] }
        case (let adamW as AdamW, "exp_avg_sq"): c.trainable.flatMap { adamW.state[$0]?.secondMoment ?? [] }
        default: nil
        }
    }

    /// The largest per-tensor relative error of any snapshot against torch's, and where it is.
    func worstError(against expected: [Float], snapshotCount: Int, of c: OptimizerCase) -> (error: Double, tensor: String, snapshot: Int) {
        let width = expected.count / snapshotCount
        var worst = (error: 0.0, tensor: "", snapshot: 0)
        for (index, mine) in snapshots.enumerated() {
            var start = 0
            for name in c.trainable {
                let count = store[name]!.count
                let error = relativeError(mine[start..<start + count], expected[index * width + start..<index * width + start + count])
                if error > worst.error || worst.tensor.isEmpty { worst = (error, name, c.snapshots[index]) }
                start += count
            }
        }
        return worst
    }
}
