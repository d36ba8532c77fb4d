import Architectures
import Dispatch
import Engine
import Foundation
import Plans

/// What one seed's run gave.
public struct SeedResult: Codable, Sendable {
    public var seed: UInt64
    /// The fold held out for validation under K-fold cross-validation (0-based); nil otherwise.
    public var fold: Int?
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
    /// Seconds the trainer waited for data: training batches not made ahead in time, evaluation inputs, cached features.
    public var loadingSeconds: Double

    /// `seed 3`, or `fold 2 seed 3` (folds counted from 1) under cross-validation.
    public var name: String { Self.name(seed: seed, fold: fold) }

    /// Its TensorBoard folder under `tensorboard/`: `seed-3`, or `fold-2-seed-3`.
    public var folderName: String { name.replacingOccurrences(of: " ", with: "-") }

    static func name(seed: UInt64, fold: Int?) -> String { (fold.map { "fold \($0 + 1) " } ?? "") + "seed \(seed)" }
}

/// Where and how often a run saves checkpoints.
struct Checkpointing {
    let folder: String
    /// Optimizer steps between checkpoints (also written on SIGINT/SIGTERM and at each phase's end).
    let every: Int
}

/// One seed of a fine-tune: a fresh head drawn from the seed, the linear probe when the plan has
/// one (the head alone, on the frozen backbone's cached features), then the main run over the
/// plan's trained groups, evaluated over the whole validation set every `evaluate_every_steps`
/// (else every epoch) and at the end, early-stopped on the plan's metric with the best weights
/// restored. With `checkpointing`, it saves every `every` steps and when a stop is requested
/// (then throws `interrupted`), and continues exactly from a checkpoint's state.
final class SeedRun {
    let job: FineTuneJob
    let seed: UInt64
    /// The held-out fold under cross-validation.
    let fold: Int?
    /// This run's training and validation examples (the job's, or a fold's).
    let train: LabelledExamples, validation: LabelledExamples
    let events: (TrainingEvent) -> Void
    let checkpointing: Checkpointing?
    /// The run's state outside this seed (plan hash, seed index, completed seeds), kept in every checkpoint.
    private var state: RunState
    private var elapsedBefore = 0.0
    private let start = DispatchTime.now().uptimeNanoseconds
    let store: ParameterStore

    init(job: FineTuneJob, state: RunState, events: @escaping (TrainingEvent) -> Void, checkpointing: Checkpointing?) throws {
        (self.job, self.state, self.events, self.checkpointing) = (job, state, events, checkpointing)
        (seed, fold, train, validation) = job.run(state.runIndex)
        store = try job.freshStore(seed: seed)
    }

    /// `seed 3`, or `fold 2 seed 3`.
    var name: String { SeedResult.name(seed: seed, fold: fold) }

    private var seconds: Double { elapsedBefore + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Runs the seed from the beginning, or from `saved` (a checkpoint of this seed).
    func run(from saved: [String: [Float]]? = nil) throws -> SeedResult {
        elapsedBefore = saved == nil ? 0 : state.seconds
        if saved == nil {
            (state.phase, state.step, state.records, state.evaluations, state.earlyStopping, state.loadingSeconds) = ("linear_probe", 0, [], [], nil, 0)
        }
        if let probe = job.plan.linearProbe, state.phase == "linear_probe" {
            try linearProbe(probe, saved: saved)
        }
        return try mainRun(saved: state.phase == "fine_tune" ? saved : nil)
    }

    private func mainRun(saved: [String: [Float]]?) throws -> SeedResult {
        let plan = job.plan
        events(.phase("fine-tune, \(name)"))
        let training = try job.trainingPlan(parameters: store, frozen: plan.freeze.frozen, seed: seed)
        let cached = plan.cacheFeatures && !job.inputsVary && training.prefix != nil
        let trainFeatures = cached ? try features(train, training) : nil
        let validationFeatures = cached ? try features(validation, training) : nil
        let optimizer = makeOptimizer(LayerwiseLearningRates(
            headLearningRate: plan.optimizer.headLearningRate, backboneLearningRate: plan.optimizer.backboneLearningRate,
            layerDecay: plan.optimizer.layerDecay, weightDecay: plan.optimizer.weightDecay).groups(for: store))
        var stopping = plan.earlyStopping.map { EarlyStoppingState($0) }
        if let saved {
            try RunCheckpoint.restore(store.changing, from: RunCheckpoint.tensors(saved, under: "model"), what: "model")
            for (name, count) in state.batchesTracked { store.setBatchesTracked(name, count) }
            try optimizer.restoreState(RunCheckpoint.tensors(saved, under: "optimizer"))
            training.randomDraws = state.randomDraws
            stopping?.restore(state.earlyStopping, snapshot: RunCheckpoint.tensors(saved, under: "best"), store: store)
        } else {
            (state.phase, state.step) = ("fine_tune", 0)
        }
        let schedule = plan.schedule.kind
            .schedule(warmupSteps: plan.schedule.warmupSteps, steps: plan.schedule.steps, milestones: plan.schedule.milestones ?? [])
        let sampler = job.sampler(train, seed: seed)
        let every = plan.earlyStopping?.evaluateEverySteps ?? sampler.stepsPerEpoch
        let batches = prefetcher(job.batches(train, sampler: sampler, cached: trainFeatures), steps: plan.schedule.steps)
        defer { batches.stop() }
        var stoppedEarly = false
        while state.step < plan.schedule.steps {
            try trainStep(training, store, optimizer, schedule, batches, phase: "fine_tune", steps: plan.schedule.steps,
                          peakLearningRate: plan.optimizer.headLearningRate)
            if state.step % every == 0 || state.step == plan.schedule.steps {
                let metrics = try evaluate(validation, training, cached: validationFeatures).metrics
                let evaluation = EvaluationRecord(seed: seed, phase: "fine_tune", step: state.step, metrics: metrics)
                state.evaluations.append(evaluation)
                events(.evaluation(evaluation))
                if var early = stopping {
                    if early.improves(metrics) {
                        early.remember(store, step: state.step)
                    } else if early.exhausted && state.step < plan.schedule.steps {
                        stoppedEarly = true
                        events(.note("early stop at step \(state.step): no \(early.settings.metric) improvement for \(early.settings.patience) evaluations"))
                    }
                    stopping = early
                }
            }
            if stoppedEarly { break }
            try checkpoint(training: training, optimizer: optimizer, probe: nil, stopping: stopping)
        }
        var keptStep = state.step
        if let early = stopping, let best = early.bestStep, best != state.step {
            early.restore(store)
            keptStep = best
            events(.note("restored the weights of step \(best), the best \(early.settings.metric)"))
        }
        let final = try evaluate(validation, training, cached: validationFeatures)
        return SeedResult(
            seed: seed, fold: fold, steps: state.step, stoppedEarly: stoppedEarly, keptStep: keptStep, losses: state.records, evaluations: state.evaluations,
            validation: final.metrics, errors: ErrorAnalysis(outputs: final.outputs, examples: validation.examples, metrics: final.metrics, names: train.classes),
            seconds: seconds, loadingSeconds: state.loadingSeconds)
    }

    /// LP-FT's first phase: the head alone trains on the cached penultimate features, at the
    /// probe's learning rate under the plan's schedule kind (no warm-up) and a sampler seeded
    /// `seed ^ 0x4C50`, then the main run starts from it.
    private func linearProbe(_ probe: FineTunePlan.LinearProbe, saved: [String: [Float]]?) throws {
        events(.phase("linear probe, \(name)"))
        let plan = job.plan, frozen = job.graph.freezeGroups.filter { $0 != .head }
        let probeStore = try ParameterStore(graph: job.graph, source: store, frozen: Set(frozen))
        let training = try job.trainingPlan(parameters: probeStore, frozen: frozen, seed: seed)
        let trainFeatures = try features(train, training), validationFeatures = try features(validation, training)
        let optimizer = makeOptimizer(LayerwiseLearningRates(
            headLearningRate: probe.learningRate, backboneLearningRate: 0, layerDecay: nil, weightDecay: plan.optimizer.weightDecay).groups(for: probeStore))
        if let saved {
            let head = RunCheckpoint.tensors(saved, under: "probe")
            for parameter in probeStore.trainable {
                guard let values = head[parameter.name], values.count == parameter.count else {
                    throw TrainingError.cannotResume("the checkpoint's probe lacks \(parameter.name)")
                }
                parameter.assign(values)
            }
            try optimizer.restoreState(RunCheckpoint.tensors(saved, under: "optimizer"))
            training.randomDraws = state.randomDraws
        }
        let schedule = plan.schedule.kind.schedule(warmupSteps: 0, steps: probe.steps, milestones: [])
        let sampler = job.probeSampler(train, seed: seed)
        let batches = prefetcher(job.batches(train, sampler: sampler, cached: trainFeatures), steps: probe.steps)
        defer { batches.stop() }
        while state.step < probe.steps {
            try trainStep(training, probeStore, optimizer, schedule, batches, phase: "linear_probe", steps: probe.steps,
                          peakLearningRate: probe.learningRate)
            if state.step < probe.steps { try checkpoint(training: training, optimizer: optimizer, probe: probeStore, stopping: nil) }
        }
        for parameter in probeStore.trainable { store[parameter.name]!.assign(parameter.valueArray) }
        let metrics = try evaluate(validation, training, cached: validationFeatures).metrics
        let evaluation = EvaluationRecord(seed: seed, phase: "linear_probe", step: probe.steps, metrics: metrics)
        state.evaluations.append(evaluation)
        events(.evaluation(evaluation))
    }

    /// One optimizer step of a phase at `state.step`: its batch (made ahead by `batches`; the
    /// wait counts as loading), a forward and backward pass, the update at the schedule's rate; the
    /// step is counted, logged and reported.
    private func trainStep(
        _ training: TrainingPlan, _ store: ParameterStore, _ optimizer: any Optimizer, _ schedule: any LearningRateSchedule,
        _ batches: BatchPrefetcher<StepBatch>, phase: String, steps: Int, peakLearningRate: Double
    ) throws {
        let step = state.step
        let begin = DispatchTime.now().uptimeNanoseconds
        let (batch, waited) = try batches.take(step)
        state.loadingSeconds += waited
        store.zeroGradients()
        let loss = try batch.train(training)
        let factor = schedule.factor(at: step)
        optimizer.step(learningRateFactor: factor)
        state.step = step + 1
        let record = StepRecord(
            seed: seed, phase: phase, step: state.step, steps: steps, epoch: batch.epoch, loss: loss, learningRate: peakLearningRate * factor,
            examplesPerSecond: Double(batch.count) / (Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9))
        state.records.append(record)
        events(.step(record))
    }

    /// A phase's batches from `state.step` to `steps`, made ahead on a worker thread.
    private func prefetcher(_ batches: StepBatches, steps: Int) -> BatchPrefetcher<StepBatch> {
        BatchPrefetcher(from: state.step, to: steps) { try batches.batch(at: $0) }
    }

    /// Saves a checkpoint every `every` steps and when a stop was requested; then stops.
    private func checkpoint(training: TrainingPlan, optimizer: any Optimizer, probe: ParameterStore?, stopping: EarlyStoppingState?) throws {
        guard let checkpointing else { return }
        let stop = StopSignal.requested
        guard stop || state.step % checkpointing.every == 0 else { return }
        state.randomDraws = training.randomDraws
        state.batchesTracked = store.batchesTracked
        state.seconds = seconds
        state.earlyStopping = stopping.map { RunState.EarlyStopping(best: $0.best, bestStep: $0.bestStep, sinceBest: $0.sinceBest) }
        var tensors: [(name: String, values: [Float])]
        if let probe {
            tensors = probe.trainable.map { ("probe/" + $0.name, $0.valueArray) }
        } else {
            tensors = store.changing.map { ("model/" + $0.name, $0.valueArray) }
            tensors += stopping?.snapshotTensors.map { ("best/" + $0.name, $0.values) } ?? []
        }
        tensors += optimizer.stateTensors().map { ("optimizer/" + $0.name, $0.values) }
        try RunCheckpoint.write(state, tensors: tensors, to: checkpointing.folder)
        if stop { throw TrainingError.interrupted(runFolder: checkpointing.folder, step: state.step) }
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
        defer { state.loadingSeconds += Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9 }
        let key = try FeatureCache.key(
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
            state.loadingSeconds += Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            switch input {
            case .images(let images, let count): outputs += try training.evaluate(images: images, count: count)
            case .tokens(let tokens): outputs += try training.evaluate(tokens: tokens)
            }
        }
        return (outputs, EvaluationMetrics(outputs: outputs, targets: set.examples.map(\.target), kind: job.plan.head.kind, names: set.classes))
    }
}

/// Early stopping's bookkeeping: the best value of the metric so far, the evaluations since it
/// improved, and a copy of the weights training changes (`ParameterStore.changing`) it was reached with.
struct EarlyStoppingState {
    let settings: FineTunePlan.EarlyStopping
    private(set) var best: Double?
    private(set) var bestStep: Int?
    private(set) var sinceBest = 0
    private var snapshot: [[Float]] = []
    private var names: [String] = []

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
        names = store.changing.map(\.name)
        snapshot = store.changing.map(\.valueArray)
    }

    func restore(_ store: ParameterStore) {
        for (tensor, values) in zip(store.changing, snapshot) { tensor.assign(values) }
    }

    /// The best weights, by tensor name, for a checkpoint.
    var snapshotTensors: [(name: String, values: [Float])] { zip(names, snapshot).map { ($0, $1) } }

    /// Continues from a checkpoint's bookkeeping and best weights.
    mutating func restore(_ saved: RunState.EarlyStopping?, snapshot saved_: [String: [Float]], store: ParameterStore) {
        guard let saved else { return }
        (best, bestStep, sinceBest) = (saved.best, saved.bestStep, saved.sinceBest)
        names = store.changing.map(\.name)
        snapshot = saved_.isEmpty ? [] : names.map { saved_[$0] ?? [] }
    }
}
