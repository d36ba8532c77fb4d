import CheckpointFormats
import Engine
import Testing
import Training

/// zoo's optimizers, groups, schedules, clipping and accumulation against 100 steps of torch.optim
/// and its schedulers on recorded gradients (formats/training/optimizers): every trainable tensor
/// within the fixture's tolerance, 1e-6, of torch's at each snapshot, measured per tensor as
/// ‖zoo − torch‖₂ / ‖torch‖₂; learning rates equal; clip_grad_norm_'s total norm and the final
/// optimizer state within the same tolerance.
struct OptimizerReferenceTests {
    static let tolerance = OptimizerFixture.manifest.tolerance

    @Test("the fixture's tensors are the graph's, in state-dict order")
    func tensorsMatchTheGraph() throws {
        let store = try ParameterStore(graph: OptimizerFixture.graph, source: ComputedWeights { _, shape in [Float](repeating: 0, count: shape.reduce(1, *)) })
        let mine = store.tensors.map { "\($0.name) \($0.shape) \($0.group) \($0.isBuffer)" }
        let theirs = OptimizerFixture.manifest.tensors.map { "\($0.name) \($0.shape) \($0.group) \($0.buffer)" }
        #expect(mine == theirs)
    }

    @Test("parameter groups: head, backbone, layer decay by depth, no decay on rank ≤ 1", arguments: OptimizerFixture.cases)
    func groups(_ c: OptimizerCase) throws {
        let store = try OptimizerFixture.store(c, arrays: OptimizerFixture.arrays())
        let settings = c.optimizer
        let groups = LayerwiseLearningRates(headLearningRate: settings.headLearningRate, backboneLearningRate: settings.backboneLearningRate,
                                            layerDecay: settings.layerDecay, weightDecay: settings.weightDecay).groups(for: store)
        let mine = groups.map { OptimizerCase.Group(name: $0.name, params: $0.parameters.map(\.name), lr: $0.learningRate, weightDecay: $0.weightDecay) }
        #expect(mine == c.groups)
    }

    @Test("100 steps equal torch.optim's", arguments: OptimizerFixture.cases)
    func hundredSteps(_ c: OptimizerCase) throws {
        let arrays = try OptimizerFixture.arrays()
        let run = try FixtureRun(c, arrays: arrays)

        let lrs = try arrays.tensor(named: c.name + "/lr").scalars(as: Double.self)
        #expect(run.learningRates.flatMap { $0 } == lrs, "learning rates")

        if c.clip != nil {
            let norms = try arrays.tensor(named: c.name + "/total_norm").scalars(as: Float.self)
            let worst = zip(run.totalNorms, norms).map { Double(abs($0 - $1)) / Double($1) }.max() ?? .infinity
            #expect(run.totalNorms.count == norms.count && worst <= Self.tolerance, "clip_grad_norm_'s total norm: relative error up to \(worst)")
        }

        let expected = try arrays.tensor(named: c.name + "/values").scalars(as: Float.self)
        let worst = run.worstError(against: expected, snapshotCount: c.snapshots.count, of: c)
        #expect(run.snapshots.count == c.snapshots.count && worst.error <= Self.tolerance,
                "\(worst.tensor) after \(worst.snapshot) steps: relative error \(worst.error)")

        let keys = c.optimizer.kind == "sgd" ? ["momentum_buffer"] : ["exp_avg", "exp_avg_sq"]
        for key in keys {
            let theirs = try arrays.tensor(named: c.name + "/" + key).scalars(as: Float.self)
            let mine = try #require(run.state(key, of: c))
            #expect(mine.count == theirs.count && relativeError(mine[...], theirs[...]) <= Self.tolerance, "final \(key)")
        }
        if let adamW = run.optimizer as? AdamW {
            #expect(c.trainable.allSatisfy { adamW.state[$0]?.step == c.schedule.steps }, "AdamW's step counts")
        }

        let initial = try OptimizerFixture.store(c, arrays: arrays)
        for tensor in run.store.tensors where !c.trainable.contains(tensor.name) {
            #expect(tensor.gradient == nil && tensor.valueArray == initial[tensor.name]!.valueArray, "\(tensor.name) is not trained")
        }
    }

    @Test("each mistake is caught: no decay exclusion, averaged micro-batches, no clipping, a late schedule", arguments: Mistake.allCases)
    func mistakesAreCaught(_ mistake: Mistake) throws {
        let arrays = try OptimizerFixture.arrays()
        let cases = OptimizerFixture.cases.filter(mistake.applies)
        #expect(!cases.isEmpty)
        for c in cases {
            let run = try FixtureRun(c, arrays: arrays, mistake: mistake)
            let expected = try arrays.tensor(named: c.name + "/values").scalars(as: Float.self)
            let worst = run.worstError(against: expected, snapshotCount: c.snapshots.count, of: c)
            #expect(worst.error > Self.tolerance, "\(mistake) in \(c): still within \(worst.error)")
        }
    }
}
