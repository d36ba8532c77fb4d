import Architectures
import Foundation
import Plans

/// The advisor's answer: the plan for the recommended candidate, and every candidate considered.
public struct Advice: Sendable {
    public let plan: FineTunePlan
    /// Feasible candidates, best first (the recommendation first, also when the user asked for an infeasible one).
    public let ranked: [ModelCandidate]
    /// Candidates that cannot be used, with their exclusions: fewest problems first, then least time.
    public let excluded: [ModelCandidate]
    /// Each feasible candidate's blended fit, as the ranking used it (`CandidateRanking.fits`).
    public let fits: [String: Double]
    /// Whether the plan fits the budget and deployment constraints; when not, it is the nearest
    /// alternative, and its warnings say what would make it fit.
    public let feasible: Bool
}

/// From a request to a plan: assesses every registry model of the task's modality that has a
/// published checkpoint (freeze depth and training by the rules, fitted into the budget, priced
/// by the cost model, checked against the deployment constraints), ranks the feasible ones by
/// prior and LogME, and writes the best into a `FineTunePlan` with reasons, alternatives and estimates.
public enum Advisor {
    /// The assessed candidates, in registry order. `calibration` prices this machine's CPU: the
    /// training device for a `cpu` budget, and where inference latency is estimated unless the
    /// budget is a GPU and the deployment is not CPU-only (then one GPU of the budget's class).
    public static func candidates(_ request: AdviceRequest, cards: [String: ModelCard], calibration: Calibration,
                                  models: [RegisteredModel] = Registry.models) throws(ProfileError) -> [ModelCandidate] {
        let device = try trainingDevice(request.budget, calibration: calibration)
        let latencyDevice: DeviceClass
        if case .gpu(let gpu, _, let precision) = device, !request.profile.deployment.cpuOnly {
            latencyDevice = .gpu(gpu, count: 1, precision: precision)
        } else {
            latencyDevice = .cpu(calibration)
        }
        let modality = request.profile.modality.rawValue
        if let wanted = request.preferences.model, let model = models.first(where: { $0.name == wanted }), model.task != modality {
            throw ProfileError("model", "\(wanted) takes \(model.task) input, but the task's modality is \(modality)")
        }
        return models.filter { $0.task == modality && !request.preferences.excludedFamilies.contains($0.family) }.compactMap { model in
            cards[model.name].flatMap { ModelCandidate(model, card: $0, request: request, device: device, latencyDevice: latencyDevice) }
        }
    }

    /// The advice for `request`, using LogME scores on the user's sample when given.
    public static func advise(_ request: AdviceRequest, cards: [String: ModelCard], calibration: Calibration,
                              sample: SampleScores? = nil, models: [RegisteredModel] = Registry.models) throws(ProfileError) -> Advice {
        var all = try candidates(request, cards: cards, calibration: calibration, models: models)
        for index in all.indices { all[index].transferability = sample?.scores[all[index].name] }
        guard !all.isEmpty else {
            throw ProfileError("exclude", "no \(request.profile.modality.rawValue) model with a published checkpoint is left to recommend")
        }
        let usable = all.filter(\.isFeasible)
        let fits = CandidateRanking.fits(usable)
        var ranked = CandidateRanking.rank(usable, fits: fits, objective: request.preferences.objective)
        var excluded = all.filter { !$0.isFeasible }.sorted { ($0.exclusions.count, $0.minimumSeconds) < ($1.exclusions.count, $1.minimumSeconds) }
        let requested = request.preferences.model.flatMap { name in all.first { $0.name == name } }
        if let requested {
            ranked.removeAll { $0.name == requested.name }
            excluded.removeAll { $0.name == requested.name }
            ranked.insert(requested, at: 0)
        }
        let feasible = ranked.first?.isFeasible ?? false
        // Nothing fits: the nearest alternative is the candidate with the fewest problems, then the least time.
        let chosen = ranked.first ?? excluded[0]
        let alternatives = ranked.filter { $0.name != chosen.name && $0.isFeasible }.prefix(3)
        let plan = FineTunePlan(
            model: .init(name: chosen.name, family: chosen.family, checkpoint: .init(chosen.checkpoint)),
            preprocessing: .init(chosen.preprocessing),
            head: .init(kind: request.profile.kind, classes: request.profile.classes, dropout: headDropout(chosen.graph)),
            freeze: chosen.freeze.planFreeze(chosen.graph), linearProbe: chosen.linearProbe,
            optimizer: chosen.training.optimizer, schedule: chosen.training.schedule, batchSize: chosen.training.batchSize,
            regularisation: chosen.training.regularisation, earlyStopping: chosen.training.earlyStopping, seeds: chosen.training.seeds,
            cacheFeatures: chosen.freeze.cacheFeatures,
            reasons: [modelReason(chosen, ranked: ranked, request: request, sample: sample), chosen.checkpointReason]
                + chosen.freeze.reasons + chosen.training.reasons + probeReason(chosen) + [estimateReason(chosen)],
            alternatives: alternatives.enumerated().map { offset, alternative in
                .init(rank: offset + 1, model: alternative.name, frozen: alternative.freeze.frozen,
                      tradeOff: tradeOff(alternative, against: chosen), estimates: alternative.estimates)
            },
            estimates: chosen.estimates,
            warnings: warnings(chosen, feasible: feasible, request: request, excluded: excluded, sample: sample),
            profile: request.profile, budget: request.budget, preferences: request.preferences)
        return Advice(plan: plan, ranked: ranked, excluded: excluded, fits: fits, feasible: feasible)
    }

    /// The budget's device: this machine's calibrated CPU, or a GPU class from its datasheet.
    static func trainingDevice(_ budget: ComputeBudget, calibration: Calibration) throws(ProfileError) -> DeviceClass {
        switch budget.device {
        case .cpu: return .cpu(calibration)
        case let .gpu(name, count):
            guard let gpu = GPUClass.named(name) else {
                throw ProfileError("budget", "'\(name)' is not a GPU class zoo can price (known: \(GPUClass.all.map { $0.name.lowercased() }.joined(separator: ", ")))")
            }
            return .gpu(gpu, count: count)
        }
    }

    /// The dropout the checkpoint's own classifier has in front of it (0 when none).
    static func headDropout(_ graph: ModelGraph) -> Double {
        guard let classifier = graph.classifier, case .dropout(let probability) = graph.nodes[graph.nodes[classifier].inputs[0]].op else { return 0 }
        return probability
    }

    private static func modelReason(_ chosen: ModelCandidate, ranked: [ModelCandidate], request: AdviceRequest, sample: SampleScores?) -> FineTunePlan.Reason {
        let feasibleCount = ranked.filter(\.isFeasible).count
        let modality = request.profile.modality.rawValue
        var text: String
        var evidence = request.profile.modality == .image ? [Evidence.kornblith] : []
        if request.preferences.model == chosen.name {
            text = "\(chosen.name), as asked for."
        } else if !chosen.isFeasible {
            text = "No \(modality) model fits the budget and constraints; \(chosen.name) comes nearest."
        } else if request.preferences.objective == .cheapestGoodEnough, let best = ranked.first(where: { $0.prior != nil }) ?? ranked.first {
            text = "\(chosen.name) is the cheapest to train of the \(ranked.filter { CandidateRanking.isGoodEnough($0, comparedWith: best) }.count) feasible \(modality) models "
                + "within \(Int(CandidateRanking.goodEnoughPoints)) points of the best published accuracy" + (best.prior.map { " (\($0.summary))" } ?? "")
                + (sample != nil ? " and not clearly worse by LogME on your sample" : "") + "."
        } else if request.profile.modality == .image {
            text = "\(chosen.name) ranks first of \(feasibleCount) feasible image models"
                + (chosen.prior.map { " by its published \($0.summary)" } ?? "")
                + (chosen.transferability != nil ? " blended with LogME on your sample" : "")
                + ": a better ImageNet model usually fine-tunes better."
            evidence.append(Evidence.tableA)
        } else {
            text = "\(chosen.name) ranks first of \(feasibleCount) feasible text models"
                + (chosen.prior.map { " by its published fine-tuned \($0.summary), the nearest published evidence of how it fine-tunes on this kind of task" } ?? "")
                + (chosen.transferability != nil ? ", blended with LogME on your sample" : "") + "."
        }
        if let source = chosen.prior?.source, !source.isEmpty { evidence.append(source) }
        if let score = chosen.transferability, let sample {
            text += String(format: " LogME on %d examples of your data: %.3f (95%% interval %.3f to %.3f).", sample.examples, score.score, score.low, score.high)
            evidence.append(Evidence.logME)
        } else if sample != nil {
            text += " It was not scored on your sample: give its checkpoint with --weights to compare it by LogME."
        } else if request.profile.modality == .image {
            text += " ImageNet gains do not reliably carry over to real-world data such as camera traps or satellite images: score a sample of your data with local checkpoints (--weights) to check."
            evidence.append(Evidence.fang)
        }
        return .init(decision: "model", text: text, evidence: evidence)
    }

    private static func probeReason(_ chosen: ModelCandidate) -> [FineTunePlan.Reason] {
        guard let probe = chosen.linearProbe else { return [] }
        return [.init(decision: "linear_probe", text: "First \(probe.steps) steps (\(Int(probe.epochs)) epochs, a ceiling of our own; Kumar et al. train the probe to convergence) of the head alone on cached backbone features at the head's learning rate, then the fine-tune starts from that head.", evidence: [Evidence.lpft])]
    }

    private static func estimateReason(_ chosen: ModelCandidate) -> FineTunePlan.Reason {
        .init(decision: "estimates", text: chosen.accuracyNote, evidence: chosen.accuracy == nil ? [] : [Evidence.dataCurves, Evidence.tableA] + (chosen.freeze.linearProbeFirst || chosen.freeze.backboneFrozen ? [Evidence.lpft] : []))
    }

    private static func warnings(_ chosen: ModelCandidate, feasible: Bool, request: AdviceRequest, excluded: [ModelCandidate], sample: SampleScores?) -> [String] {
        var warnings = chosen.warnings
        if !chosen.isFeasible {
            warnings.append("\(chosen.name) does not fit: " + chosen.exclusions.joined(separator: "; ") + ".")
            if chosen.exclusions.contains(where: { $0.hasPrefix("one pass") }) {
                let examples = Int(Double(request.profile.examples) * request.budget.wallClockSeconds / chosen.minimumSeconds)
                warnings.append("Feasible alternatives: a budget of at least \(request.budget.device):\(Quantities.text(seconds: chosen.minimumSeconds * 1.1)), "
                    + (examples >= request.profile.classes ? "or a subset of about \(examples) examples, " : "")
                    + "or a faster device (--budget gpu:CLASS:DURATION).")
            }
        }
        if chosen.prior == nil { warnings.append("\(chosen.name)'s card publishes no accuracy on the task's benchmark: its rank rests on LogME or on nothing.") }
        if let sample, let width = sample.featureWidths[chosen.name], sample.examples < width {
            warnings.append("LogME used \(sample.examples) examples for \(width) features: with fewer examples than features its scores are less reliable.")
        }
        if !feasible, excluded.isEmpty == false, chosen.isFeasible == false, request.preferences.model == nil {
            warnings.append("Every candidate was excluded: " + excluded.prefix(4).map { "\($0.name) (\($0.exclusions.joined(separator: "; ")))" }.joined(separator: ", ") + (excluded.count > 4 ? ", …" : "") + ".")
        }
        return warnings
    }

    /// The trained groups in words that compare across models: "every group", "the head only", or their names.
    private static func trained(_ freeze: FreezeDecision) -> String {
        if freeze.frozen.isEmpty { return "every group" }
        if freeze.trainable == [.head] { return "the head only" }
        return freeze.trainable.map(\.description).joined(separator: ", ")
    }

    /// What choosing `alternative` over `chosen` trades, in numbers.
    static func tradeOff(_ alternative: ModelCandidate, against chosen: ModelCandidate) -> String {
        var parts = [String]()
        let time = alternative.trainingSeconds / chosen.trainingSeconds
        parts.append(time >= 1 ? String(format: "%.1f× the training time", time) : String(format: "%.1f× faster to train", 1 / time))
        parts.append("\(Quantities.text(count: alternative.parameters)) vs \(Quantities.text(count: chosen.parameters)) parameters")
        parts.append(String(format: "%.1f vs %.1f ms per example on %@", alternative.latencyMs, chosen.latencyMs, chosen.latencyDevice.name))
        if let a = alternative.prior, let c = chosen.prior, a.metric == c.metric {
            parts.append(String(format: "%@ %.1f%% vs %.1f%% (%+.1f points)", a.metric, a.value, c.value, a.value - c.value))
        } else if alternative.prior == nil {
            parts.append("no published accuracy to compare")
        }
        if let a = alternative.transferability, let c = chosen.transferability {
            parts.append(a.high >= c.low && c.high >= a.low ? "tied by LogME on your sample" : a.score > c.score ? "higher LogME on your sample" : "lower LogME on your sample")
        }
        if trained(alternative.freeze) != trained(chosen.freeze) { parts.append("trains " + trained(alternative.freeze)) }
        return parts.joined(separator: "; ") + "."
    }
}
