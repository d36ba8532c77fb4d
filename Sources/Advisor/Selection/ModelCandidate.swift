import Architectures
import Plans

/// One registry model assessed for a request: its checkpoint and prior, the freeze depth and
/// training settings the rules give it fitted into the budget, what that costs, the inference
/// latency and size the deployment constraints are checked against, the expected accuracy, and
/// the LogME score on the user's sample when one was computed.
public struct ModelCandidate: Sendable {
    public let name: String
    public let family: String
    /// Built with the task's head.
    public let graph: ModelGraph
    public let checkpoint: ModelCard.Checkpoint
    public let preprocessing: ModelCard.Preprocessing?
    public let prior: TransferPrior?
    let checkpointReason: FineTunePlan.Reason
    let run: TrainingRun
    /// Parameters with the task's head.
    public let parameters: Int
    /// Forward pass of one example on the deployment device, in milliseconds.
    public let latencyMs: Double
    /// Where latency is estimated: this machine's calibrated CPU when deployment is CPU-only or
    /// training is on the CPU, else one GPU of the budget's class (from its datasheet).
    public let latencyDevice: DeviceClass
    public let accuracy: FineTunePlan.Estimate?
    /// Why there is no accuracy estimate, or what it rests on.
    public let accuracyNote: String
    /// What fitting the budget changed.
    public let warnings: [String]
    /// Whether fitting the budget cut seeds, steps or the freeze depth the rules asked for.
    public let compromised: Bool
    /// Why the candidate cannot be used (empty: it can).
    public let exclusions: [String]
    /// The least wall-clock time in which it can make one pass (a linear head on cached features).
    public let minimumSeconds: Double
    /// Where it trains: the budget's device.
    public let device: DeviceClass
    /// LogME on the user's sample, when scored.
    public internal(set) var transferability: BootstrapScore?

    public var isFeasible: Bool { exclusions.isEmpty }
    public var freeze: FreezeDecision { run.freeze }
    public var training: HyperparameterDecision { run.training }
    public var linearProbe: FineTunePlan.LinearProbe? { run.linearProbe }
    public var trainingSeconds: Double { run.totalSeconds }
    public var peakBytes: Int { run.peakBytes }
    /// Examples assumed per text input (tokens), for pricing encoders when lengths are unknown.
    public static let assumedTokens = 128

    /// Assesses `model` for `request`, trained on `device`, with latency on `latencyDevice`; nil when its card names no checkpoint.
    init?(_ model: RegisteredModel, card: ModelCard, request: AdviceRequest, device: DeviceClass, latencyDevice: DeviceClass) {
        let profile = request.profile
        let graph = model.build(profile.classes)
        let input: InputSpec? = profile.modality == .text ? .tokens(length: Self.assumedTokens) : nil
        let fit = BudgetFit(graph, input: input, profile: profile, budget: request.budget, device: device)
        guard let choice = CheckpointChoice(card, model: model.name, profile: profile, freeze: fit.run.freeze) else { return nil }
        (name, family, self.graph, run) = (model.name, model.family, graph, fit.run)
        (checkpoint, prior, checkpointReason) = (choice.checkpoint, choice.prior, choice.reason)
        preprocessing = choice.checkpoint.preprocessing
        parameters = graph.parameterCount
        self.latencyDevice = latencyDevice
        latencyMs = 1000 * CostModel.estimate(graph, frozen: graph.freezeGroups, batch: 1, input: input, device: latencyDevice).forwardSeconds
        (accuracy, accuracyNote) = AccuracyEvidence.estimate(profile, prior: choice.prior, freeze: fit.run.freeze)
        (warnings, compromised) = (fit.warnings, fit.compromised)
        minimumSeconds = fit.minimumSeconds
        self.device = device
        let deployment = profile.deployment
        var exclusions = fit.exclusions
        if fit.exclusions.isEmpty, fit.run.totalSeconds > request.budget.wallClockSeconds {
            exclusions.append("one pass over the \(profile.examples) examples needs at least \(Quantities.text(seconds: fit.minimumSeconds)), over the \(Quantities.text(seconds: request.budget.wallClockSeconds)) budget")
        }
        if let maxParameters = deployment.maxParameters, parameters > maxParameters {
            exclusions.append("\(parameters) parameters, over the \(maxParameters) allowed")
        }
        if let maxLatency = deployment.maxLatencyMs, latencyMs > maxLatency {
            exclusions.append(String(format: "%.1f ms per example on %@, over the %.1f ms allowed", latencyMs, latencyDevice.name, maxLatency))
        }
        self.exclusions = exclusions
    }

    /// The estimates a plan records for this candidate.
    public var estimates: FineTunePlan.Estimates {
        let f = device.uncertaintyFactor
        let seconds = trainingSeconds, bytes = Double(peakBytes)
        return .init(
            trainingSeconds: .init(expected: seconds, low: seconds / f, high: seconds * f, basis: timeBasis),
            peakMemoryBytes: .init(expected: bytes, low: bytes / 1.5, high: bytes * 1.5, basis:
                "Weights, gradients and optimizer state of the trainable groups, and the activations the backward pass keeps (FreezePlan) at batch \(training.batchSize)"
                + (device.count > 1 ? " per device (the batch split \(device.count) ways)" : "")
                + "; frameworks that recompute or fuse activations use less, allocators more (×1.5 either way)."),
            accuracy: accuracy)
    }

    private var timeBasis: String {
        var text = "\(training.schedule.steps) steps of \(training.batchSize)"
        if training.seeds.count > 1 { text += " × \(training.seeds.count) seeds" }
        if let linearProbe { text += " after a \(linearProbe.steps)-step linear probe" }
        if freeze.cacheFeatures { text += ", the frozen prefix's features computed once" }
        text += "; work per layer ÷ throughput per operation kind"
        if case .cpu = device {
            text += " measured on this machine (zoo calibrate)"
        } else {
            text += " from \(device.name)'s datasheet × assumed fractions, not measured"
        }
        text += String(format: "; ×%.1f either way", device.uncertaintyFactor)
        if case .tokens = graph.input { text += "; \(Self.assumedTokens) tokens per example assumed" }
        return text + "; data loading not included."
    }
}
