import Architectures
import Dispatch
import Engine
import Foundation
import Plans

/// What one seed's run gave.
public struct SeedResult: Codable, Sendable {
    public var seed: UInt64
    /// Optimizer steps taken in the main run (fewer than planned after an early stop).
    public var steps: Int
    public var stoppedEarly: Bool
    /// The step whose weights were kept (the best evaluation's under early stopping, else the last).
    public var keptStep: Int
    public var losses: [StepRecord]
    public var evaluations: [EvaluationRecord]
    /// The validation metrics of the kept weights.
    public var validation: EvaluationMetrics
    public var errors: ErrorAnalysis
    public var seconds: Double
    /// Seconds spent decoding, augmenting and tokenizing inputs (and computing cached features).
    public var loadingSeconds: Double
}

/// One seed of a fine-tune: a fresh head drawn from the seed, the linear probe when the plan has
/// one (the head alone, on the frozen backbone's cached features), then the main run over the
/// plan's trained groups, evaluated over the whole validation set every `evaluate_every_steps`
/// (else every epoch) and at the end, early-stopped on the plan's metric with the best weights restored.
final class SeedRun {
    let job: FineTuneJob
    let seed: UInt64
    let events: (TrainingEvent) -> Void
    private(set) var loadingSeconds = 0.0
    let store: ParameterStore

    init(job: FineTuneJob, seed: UInt64, events: @escaping (TrainingEvent) -> Void) throws {
        (self.job, self.seed, self.events) = (job, seed, events)
        let graph = job.graph, classifier = graph.nodes[graph.classifier!].name
        let head: Set<String> = [classifier + ".weight", classifier + ".bias"]
        let source = job.checkpoint.weights
        let fresh = ComputedWeights { name, shape in
            head.contains(name) ? [Float](repeating: 0, count: shape.reduce(1, *)) : try source.values(of: name, shape: shape)
        }
        store = try ParameterStore(graph: graph, source: fresh, frozen: Set(job.plan.freeze.frozen))
        try store.initialiseHead(of: graph, job.checkpoint.model.headInitialisation, seed: seed)
    }

    func run() throws -> SeedResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var records: [StepRecord] = [], evaluations: [EvaluationRecord] = []
        if let probe = job.plan.linearProbe {
            let (losses, evaluation) = try linearProbe(probe)
            records += losses
            evaluations.append(evaluation)
        }
        let plan = job.plan
        events(.phase("fine-tune, seed \(seed)"))
        let training = try TrainingPlan(graph: job.graph, parameters: store, frozen: plan.freeze.frozen, input: job.input, batch: plan.batchSize, loss: job.loss, seed: seed)
        let cached = plan.cacheFeatures && job.augmentation.isEmpty && training.prefix != nil
        let trainFeatures = cached ? try features(job.train, training) : nil
        let validationFeatures = cached ? try features(job.validation, training) : nil
        let optimizer = makeOptimizer(LayerwiseLearningRates(
            headLearningRate: plan.optimizer.headLearningRate, backboneLearningRate: plan.optimizer.backboneLearningRate,
            layerDecay: plan.optimizer.layerDecay, weightDecay: plan.optimizer.weightDecay).groups(for: store))
        let schedule = (ScheduleKind(rawValue: plan.schedule.kind.rawValue) ?? .constant)
            .schedule(warmupSteps: plan.schedule.warmupSteps, steps: plan.schedule.steps, milestones: plan.schedule.milestones ?? [])
        let sampler = EpochSampler(count: job.train.count, batchSize: plan.batchSize, seed: seed)
        let every = plan.earlyStopping?.evaluateEverySteps ?? sampler.stepsPerEpoch
        var stopping = plan.earlyStopping.map { EarlyStoppingState($0) }
        var keptStep = plan.schedule.steps, steps = 0, stoppedEarly = false
        for step in 0..<plan.schedule.steps {
            let begin = DispatchTime.now().uptimeNanoseconds
            let (epoch, indices) = sampler.batch(at: step)
            let examples = indices.map { job.train.examples[$0] }
            store.zeroGradients()
            let loss = try self.step(training, examples: examples, indices: indices, cached: trainFeatures, epoch: epoch, sampler: sampler)
            let factor = schedule.factor(at: step)
            optimizer.step(learningRateFactor: factor)
            steps = step + 1
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            let record = StepRecord(
                seed: seed, phase: "fine_tune", step: steps, steps: plan.schedule.steps, epoch: epoch, loss: loss,
                learningRate: plan.optimizer.headLearningRate * factor, examplesPerSecond: Double(indices.count) / seconds)
            records.append(record)
            events(.step(record))
            guard steps % every == 0 || steps == plan.schedule.steps else { continue }
            let metrics = try evaluate(job.validation, training, cached: validationFeatures).metrics
            let evaluation = EvaluationRecord(seed: seed, phase: "fine_tune", step: steps, metrics: metrics)
            evaluations.append(evaluation)
            events(.evaluation(evaluation))
            if var state = stopping {
                if state.improves(metrics) {
                    state.remember(store, step: steps)
                } else if state.exhausted {
                    stopping = state
                    stoppedEarly = steps < plan.schedule.steps
                    if stoppedEarly { events(.note("early stop at step \(steps): no \(state.settings.metric) improvement for \(state.settings.patience) evaluations")) }
                    break
                }
                stopping = state
            }
        }
        if let state = stopping, let best = state.bestStep, best != steps {
            state.restore(store)
            keptStep = best
            events(.note("restored the weights of step \(best), the best \(state.settings.metric)"))
        } else {
            keptStep = steps
        }
        let final = try evaluate(job.validation, training, cached: validationFeatures)
        return SeedResult(
            seed: seed, steps: steps, stoppedEarly: stoppedEarly, keptStep: keptStep, losses: records, evaluations: evaluations,
            validation: final.metrics, errors: ErrorAnalysis(outputs: final.outputs, examples: job.validation.examples, metrics: final.metrics, names: job.train.classes),
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, loadingSeconds: loadingSeconds)
    }

    /// LP-FT's first phase: the head alone trains on the cached penultimate features, at the
    /// probe's learning rate under the plan's schedule kind (no warm-up), then the main run starts from it.
    private func linearProbe(_ probe: FineTunePlan.LinearProbe) throws -> ([StepRecord], EvaluationRecord) {
        events(.phase("linear probe, seed \(seed)"))
        let plan = job.plan, frozen = job.graph.freezeGroups.filter { $0 != .head }
        let probeStore = try ParameterStore(graph: job.graph, source: store, frozen: Set(frozen))
        let training = try TrainingPlan(graph: job.graph, parameters: probeStore, frozen: frozen, input: job.input, batch: plan.batchSize, loss: job.loss, seed: seed)
        let trainFeatures = try features(job.train, training), validationFeatures = try features(job.validation, training)
        let optimizer = makeOptimizer(LayerwiseLearningRates(
            headLearningRate: probe.learningRate, backboneLearningRate: 0, layerDecay: nil, weightDecay: plan.optimizer.weightDecay).groups(for: probeStore))
        let schedule = (ScheduleKind(rawValue: plan.schedule.kind.rawValue) ?? .constant).schedule(warmupSteps: 0, steps: probe.steps, milestones: [])
        let sampler = EpochSampler(count: job.train.count, batchSize: plan.batchSize, seed: seed ^ 0x4C50)
        var records: [StepRecord] = []
        for step in 0..<probe.steps {
            let begin = DispatchTime.now().uptimeNanoseconds
            let (epoch, indices) = sampler.batch(at: step)
            probeStore.zeroGradients()
            let loss = try self.step(training, examples: indices.map { job.train.examples[$0] }, indices: indices, cached: trainFeatures, epoch: epoch, sampler: sampler)
            let factor = schedule.factor(at: step)
            optimizer.step(learningRateFactor: factor)
            let record = StepRecord(
                seed: seed, phase: "linear_probe", step: step + 1, steps: probe.steps, epoch: epoch, loss: loss, learningRate: probe.learningRate * factor,
                examplesPerSecond: Double(indices.count) / (Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9))
            records.append(record)
            events(.step(record))
        }
        for parameter in probeStore.trainable { store[parameter.name]!.assign(parameter.valueArray) }
        let metrics = try evaluate(job.validation, training, cached: validationFeatures).metrics
        let evaluation = EvaluationRecord(seed: seed, phase: "linear_probe", step: probe.steps, metrics: metrics)
        events(.evaluation(evaluation))
        return (records, evaluation)
    }

    private func makeOptimizer(_ groups: [ParameterGroup]) -> any Optimizer {
        let settings = job.plan.optimizer
        switch settings.kind {
        case .sgdMomentum: return SGD(groups: groups, momentum: settings.momentum ?? 0.9)
        case .adamW: return AdamW(groups: groups, beta1: settings.betas?[0] ?? 0.9, beta2: settings.betas?[1] ?? 0.999)
        }
    }

    /// The frozen prefix's features of `examples`, from the feature cache (or computed in memory when there is none).
    private func features(_ examples: LabelledExamples, _ training: TrainingPlan) throws -> CachedFeatures {
        let begin = DispatchTime.now().uptimeNanoseconds
        defer { loadingSeconds += Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9 }
        let key = FeatureCache.key(
            checkpoint: job.checkpointDigest, model: job.graph.name, cut: training.cutNames, encoding: job.encoding, examples: examples.examples)
        let cache = job.cache ?? FeatureCache(folder: NSTemporaryDirectory() + "zoo-features-\(getpid())")
        events(.phase("features at \(training.cutNames.joined(separator: ", ")) of \(examples.count) examples"))
        let (features, reused) = try cache.features(of: examples.examples, plan: training, encoder: job.encoder, key: key) { done in
            self.events(.progress(done: done, total: examples.count))
        }
        if job.cache == nil { try? FileManager.default.removeItem(atPath: cache.path(for: key)) }
        if reused { events(.note("reused cached features \(key.prefix(12))… (\(features.byteCount >> 20) MiB)")) }
        return features
    }

    /// One forward and backward pass over a batch: from cached features, or from decoded inputs.
    private func step(
        _ training: TrainingPlan, examples: [Example], indices: [Int], cached: CachedFeatures?, epoch: Int, sampler: EpochSampler
    ) throws -> Double {
        let targets = job.targets(examples)
        if let cached {
            let (features, mask) = cached.batch(indices)
            return try training.step(features: features, count: indices.count, attentionMask: mask, targets: targets)
        }
        let begin = DispatchTime.now().uptimeNanoseconds
        let input = try job.encoder.encode(
            examples, augmentation: job.augmentation, seeds: indices.map { sampler.augmentationSeed(epoch: epoch, example: $0) })
        loadingSeconds += Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
        switch input {
        case .images(let images, let count): return try training.step(images: images, count: count, targets: targets)
        case .tokens(let tokens): return try training.step(tokens: tokens, targets: targets)
        }
    }

    /// The logits of every example of `set` in evaluation mode, and their metrics.
    func evaluate(_ set: LabelledExamples, _ training: TrainingPlan, cached: CachedFeatures?) throws -> (outputs: [Float], metrics: EvaluationMetrics) {
        var outputs: [Float] = []
        outputs.reserveCapacity(set.count * job.plan.head.classes)
        for start in stride(from: 0, to: set.count, by: training.batch) {
            let indices = Array(start..<min(start + training.batch, set.count))
            if let cached {
                let (features, mask) = cached.batch(indices)
                outputs += try training.evaluate(features: features, count: indices.count, attentionMask: mask)
                continue
            }
            let begin = DispatchTime.now().uptimeNanoseconds
            let input = try job.encoder.encode(indices.map { set.examples[$0] })
            loadingSeconds += Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            switch input {
            case .images(let images, let count): outputs += try training.evaluate(images: images, count: count)
            case .tokens(let tokens): outputs += try training.evaluate(tokens: tokens)
            }
        }
        return (outputs, EvaluationMetrics(outputs: outputs, targets: set.examples.map(\.target), kind: job.plan.head.kind, names: set.classes))
    }
}

/// Early stopping's bookkeeping: the best value of the metric so far, the evaluations since it
/// improved, and a copy of the weights (parameters and batch-norm statistics) it was reached with.
struct EarlyStoppingState {
    let settings: FineTunePlan.EarlyStopping
    private(set) var best: Double?
    private(set) var bestStep: Int?
    private(set) var sinceBest = 0
    private var snapshot: [[Float]] = []

    init(_ settings: FineTunePlan.EarlyStopping) { self.settings = settings }

    var exhausted: Bool { sinceBest >= settings.patience }

    /// Whether `metrics` beat the best by more than `min_delta`; counts an evaluation without improvement otherwise.
    mutating func improves(_ metrics: EvaluationMetrics) -> Bool {
        guard let value = metrics.value(of: settings.metric), value.isFinite else {
            sinceBest += 1
            return false
        }
        let higher = EvaluationMetrics.higherIsBetter(settings.metric)
        if let best, higher ? value <= best + settings.minDelta : value >= best - settings.minDelta {
            sinceBest += 1
            return false
        }
        best = value
        sinceBest = 0
        return true
    }

    mutating func remember(_ store: ParameterStore, step: Int) {
        bestStep = step
        snapshot = store.tensors.map(\.valueArray)
    }

    func restore(_ store: ParameterStore) {
        for (tensor, values) in zip(store.tensors, snapshot) { tensor.assign(values) }
    }
}
