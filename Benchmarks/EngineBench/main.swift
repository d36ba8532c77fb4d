import Advisor
import ArgumentParser
import Architectures
import Engine
import Foundation
import Tensors
import Training

/// The zoo side of the engine benchmark (driven by Benchmarks/engine_bench.py, which runs PyTorch
/// side by side) and of the training benchmark (Benchmarks/training_bench.py): compiles a registry
/// model with random weights, runs warm-up passes or steps, then times each one and prints one
/// JSON object.
@main
struct EngineBench: ParsableCommand {
    @Option(help: "A registry model name.") var model: String
    @Option(help: "Samples per forward pass.") var batch: Int
    @Option(help: "Sequence length (text models).") var tokens: Int?
    @Option(help: "Untimed passes first.") var warmup = 2
    @Option(help: "Timed passes.") var iterations = 5
    @Flag(help: "Add the seconds per kernel kind over the timed passes (\"profile\").") var profile = false
    @Option(help: "Worker threads (the engine reads ZOO_THREADS; this must agree with it).") var threads: Int?
    @Flag(help: "Time training steps (forward, cross-entropy, backward; dropout off) instead of forward passes.") var train = false
    @Option(help: "With --train: freeze this many freeze groups from the input.") var frozen = 0
    @Flag(help: "With --train and --frozen: time steps on the prefix's cached outputs (the prefix runs once, untimed).") var cached = false
    @Option(help: "With --train: the optimizer step each timed step ends with, adamw (lr 1e-3 head, 1e-4 backbone, weight decay 0.01 but on rank ≤ 1 tensors) or none.")
    var optimizer = "none"
    @Flag(help: """
        Add the cost model's seconds from the cached calibration (run `zoo calibrate` first): a forward pass's ("predicted_seconds"),         or with --train a step's ("predicted_seconds": forward, or only the trained suffix's with --cached, + backward + the         optimizer's when there is one) and its parts ("predicted_phases").
        """)
    var predict = false

    func run() throws {
        guard let registered = Registry.model(named: model) else { throw ValidationError("unknown model \(model)") }
        if let threads, threads != workerThreadCount {
            throw ValidationError("--threads \(threads) but the engine runs \(workerThreadCount) (set ZOO_THREADS=\(threads))")
        }
        let graph = train ? registered.build(registered.publishedClasses ?? 2) : registered.graph
        let input: InputSpec = tokens.map { .tokens(length: $0) } ?? graph.input
        let weights = ComputedWeights.forTiming()
        if train {
            guard ["adamw", "none"].contains(optimizer) else { throw ValidationError("--optimizer: adamw or none, not \(optimizer)") }
            return try timeTraining(graph, input: input, weights: weights)
        }
        let planStart = Date()
        let plan = try ForwardPlan(graph: graph, weights: weights, input: input, batch: batch)
        let planSeconds = Date().timeIntervalSince(planStart)
        let pass: () throws -> Void
        switch input {
        case .image(let channels, let size):
            let images = (0..<batch * channels * size * size).map { Float($0 % 255) / 255 - 0.5 }
            pass = { _ = try plan.run(images: images, count: batch) }
        case .tokens(let length):
            let ids = (0..<batch).map { row in (0..<length).map { 1000 + ($0 * 7919 + row * 104_729) % 20_000 } }
            let batchOfTokens = try TokenBatch(ids: ids)
            pass = { _ = try plan.run(tokens: batchOfTokens) }
        }
        for _ in 0..<warmup { try pass() }
        plan.profiling = profile
        var seconds: [Double] = []
        for _ in 0..<iterations {
            let start = Date()
            try pass()
            seconds.append(Date().timeIntervalSince(start))
        }
        var result: [String: Any] = [
            "model": model, "batch": batch, "tokens": tokens as Any? ?? NSNull(), "threads": workerThreadCount,
            "seconds": seconds, "plan_seconds": planSeconds,
            "forward_macs": graph.totalMultiplyAccumulates(input: input) * batch,
        ]
        if profile { result["profile"] = plan.profile }
        if predict {
            let estimate = CostModel.estimate(graph, frozenGroups: 0, batch: batch, input: input, device: .cpu(try calibration()))
            result["predicted_seconds"] = estimate.forwardSeconds
            result["uncertainty_factor"] = estimate.uncertaintyFactor
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    /// Times training steps of `graph` with the first `frozen` groups frozen.
    func timeTraining(_ graph: ModelGraph, input: InputSpec, weights: WeightSource) throws {
        let frozenGroups = Array(graph.freezeGroups.prefix(frozen))
        let planStart = Date()
        let store = try ParameterStore(graph: graph, source: weights, frozen: Set(frozenGroups))
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: frozenGroups, input: input, batch: batch, loss: .crossEntropy())
        plan.dropoutEnabled = false
        let update: AdamW? = optimizer == "adamw"
            ? AdamW(groups: LayerwiseLearningRates(headLearningRate: 1e-3, backboneLearningRate: 1e-4, layerDecay: nil, weightDecay: 0.01).groups(for: store))
            : nil
        let planSeconds = Date().timeIntervalSince(planStart)
        let targets = Targets.classes((0..<batch).map { $0 % (graph.classifierOutputs ?? 2) })
        let step: () throws -> Void
        switch input {
        case .image(let channels, let size):
            let images = (0..<batch * channels * size * size).map { Float($0 % 255) / 255 - 0.5 }
            if cached, let prefix = plan.prefix {
                let features = try prefix.run(images: images, count: batch)
                step = { _ = try plan.step(features: features, count: batch, targets: targets) }
            } else {
                step = { _ = try plan.step(images: images, count: batch, targets: targets) }
            }
        case .tokens(let length):
            let ids = (0..<batch).map { row in (0..<length).map { 1000 + ($0 * 7919 + row * 104_729) % 20_000 } }
            let tokenBatch = try TokenBatch(ids: ids)
            if cached, let prefix = plan.prefix {
                let features = try prefix.run(tokens: tokenBatch)
                step = { _ = try plan.step(features: features, count: batch, attentionMask: tokenBatch.attentionMask, targets: targets) }
            } else {
                step = { _ = try plan.step(tokens: tokenBatch, targets: targets) }
            }
        }
        for _ in 0..<warmup {
            try step()
            update?.step(learningRateFactor: 1)
            store.zeroGradients()
        }
        plan.profiling = profile
        var seconds: [Double] = [], optimizerSeconds: [Double] = []
        for _ in 0..<iterations {
            let start = Date()
            try step()
            let stepped = Date()
            update?.step(learningRateFactor: 1)
            optimizerSeconds.append(Date().timeIntervalSince(stepped))
            store.zeroGradients()
            seconds.append(Date().timeIntervalSince(start))
        }
        // The work of a step as FreezePlan counts it: the forward pass (the trained suffix's only
        // when the prefix's outputs are cached), the weight and input gradients.
        let freezePlan = plan.freezePlan, macs = graph.multiplyAccumulates(input: input)
        let forwardMACs = cached && plan.prefix != nil
            ? macs.indices.filter { freezePlan.backward[$0].isOnPath }.reduce(0) { $0 + macs[$1] } : freezePlan.forwardMACs
        var result: [String: Any] = [
            "model": model, "batch": batch, "tokens": tokens as Any? ?? NSNull(), "threads": workerThreadCount, "mode": "train",
            "frozen_groups": frozen, "cached": cached, "seconds": seconds, "plan_seconds": planSeconds, "activation_bytes": plan.activationBytes,
            "estimated_activation_bytes": freezePlan.storedActivationsPerSample * 4 * batch,
            "trained_groups": graph.freezeGroups.filter { !frozenGroups.contains($0) }.map(\.description),
            "trainable_parameters": freezePlan.trainableParameters, "optimizer": optimizer, "optimizer_seconds": optimizerSeconds,
            "forward_macs": forwardMACs * batch, "backward_macs": freezePlan.backwardMACs * batch,
        ]
        if profile {
            result["profile"] = plan.profile
            // Per timed step: the prefix and the forward steps, the zeroing and the backward steps.
            let perStep = Double(iterations)
            let forward = plan.profile.filter { $0.key == "prefix" || $0.key.hasPrefix("forward ") }.values.reduce(0, +)
            let backward = plan.profile.filter { $0.key == "zeroing" || $0.key.hasPrefix("backward ") }.values.reduce(0, +)
            result["measured_phases"] = [
                "forward": forward / perStep, "backward": backward / perStep, "optimizer": optimizerSeconds.reduce(0, +) / perStep,
            ]
        }
        if predict {
            let estimate = CostModel.estimate(
                graph, frozen: frozenGroups, batch: batch, input: input, optimizer: .adamW, device: .cpu(try calibration()))
            let forward = cached && plan.prefix != nil ? estimate.suffixForwardSeconds : estimate.forwardSeconds
            let optimizerPart = update == nil ? 0 : estimate.optimizerSeconds
            result["predicted_seconds"] = forward + estimate.backwardSeconds + optimizerPart
            result["predicted_phases"] = ["forward": forward, "backward": estimate.backwardSeconds, "optimizer": optimizerPart]
            result["uncertainty_factor"] = estimate.uncertaintyFactor
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    /// The cached calibration of this machine.
    func calibration() throws -> Calibration {
        guard let calibration = CalibrationCache.load() else {
            throw ValidationError("no calibration for this machine in \(CalibrationCache.defaultFolder): run `zoo calibrate` first")
        }
        return calibration
    }
}
