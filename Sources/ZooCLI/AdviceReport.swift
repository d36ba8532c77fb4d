import Foundation
import ModelZoo

/// What `zoo advise` prints: the candidates, the recommendation with its freeze bar, settings,
/// estimates, reasons, alternatives and warnings; or the same as JSON; and the candidates' plot.
struct AdviceReport {
    let advice: Advice
    let sample: SampleScores?
    let showAll: Bool

    var text: String {
        let plan = advice.plan, profile = plan.profile
        var lines = [
            "Advice for \(profile.kind.rawValue) \(profile.modality.rawValue) \(profile.kind == .regression ? "regression" : "classification"): "
                + "\(profile.classes) \(profile.kind == .regression ? "targets" : "classes"), \(Format.count(profile.examples)) examples"
                + (profile.kind == .regression ? "" : " (\(profile.smallestClass) in the smallest class)") + ", shift \(profile.shift)"
                + (profile.robustness ? ", robustness needed" : ""),
            "Budget: \(Quantities.text(seconds: plan.budget.wallClockSeconds)) on \(advice.ranked.first?.device.name ?? advice.excluded.first?.device.name ?? "\(plan.budget.device)")"
                + (plan.budget.memoryBytes.map { ", \(Format.bytes($0)) memory" } ?? ""),
            "",
        ]
        lines += candidateTable()
        lines += recommendation()
        return lines.joined(separator: "\n")
    }

    private func candidateTable() -> [String] {
        // The first ten, and any further one scored on the sample.
        let shown = showAll ? advice.ranked : advice.ranked.enumerated().filter { $0.offset < 10 || $0.element.transferability != nil }.map(\.element)
        let rows = shown.map { candidate -> [String] in
            [
                "\(advice.ranked.firstIndex { $0.name == candidate.name }! + 1)", candidate.name, candidate.prior.map { String(format: "%.1f", $0.value) } ?? "-",
                candidate.transferability.map { String(format: "%.3f ±%.3f", $0.score, $0.standardDeviation) } ?? "-",
                advice.fits[candidate.name].map { String(format: "%+.2f", $0) } ?? "-",
                "\(candidate.freeze.frozen.count)/\(candidate.graph.freezeGroups.count)" + (candidate.freeze.cacheFeatures ? " cached" : ""),
                Quantities.text(seconds: candidate.trainingSeconds), Format.bytes(candidate.peakBytes),
                String(format: "%.1f", candidate.latencyMs), Quantities.text(count: candidate.parameters),
                candidate.accuracy.map { String(format: "%.0f–%.0f%%", $0.low * 100, $0.high * 100) } ?? "-",
            ]
        }
        let metric = advice.ranked.first?.prior?.metric ?? "prior"
        var lines = ["Candidates: \(advice.ranked.filter(\.isFeasible).count) fit, \(advice.excluded.count) excluded"
                     + (advice.ranked.count > shown.count ? " (\(shown.count) shown; --all for every one)" : "")]
        if !rows.isEmpty { lines.append(Table(header: ["#", "MODEL", metric.uppercased(), "LOGME", "FIT", "FROZEN", "TRAIN", "PEAK MEM", "MS/EX", "PARAMS", "ACCURACY"],
                           rightAligned: [0, 2, 3, 4, 6, 7, 8, 9, 10], rows: rows).rendered)
            lines.append("FIT: published accuracy\(sample != nil ? " blended with LogME" : "") as z-scores across the candidates; MS/EX: one example on \(advice.ranked.first?.latencyDevice.name ?? "this CPU").")
        }
        if !advice.excluded.isEmpty {
            lines += ["", "Excluded:"]
            for candidate in showAll ? advice.excluded : Array(advice.excluded.prefix(5)) {
                lines.append("  \(candidate.name): " + candidate.exclusions.joined(separator: "; "))
            }
            if !showAll && advice.excluded.count > 5 { lines.append("  … \(advice.excluded.count - 5) more (--all)") }
        }
        return lines + [""]
    }

    private func recommendation() -> [String] {
        let plan = advice.plan
        guard let chosen = (advice.ranked + advice.excluded).first(where: { $0.name == plan.model.name }) else { return [] }
        let checkpoint = plan.model.checkpoint
        var lines = ["\(advice.feasible ? "Recommendation" : "Nearest (nothing fits)"): \(plan.model.name) \(checkpoint.name) (\(checkpoint.library)\(checkpoint.file.map { ", \($0)" } ?? ""))"]
        let frozenParameters = chosen.graph.parameters.filter { !$0.spec.isBuffer && chosen.freeze.frozen.contains($0.group) }.reduce(0) { $0 + $1.spec.elementCount }
        lines.append("Freeze: \(plan.freeze.frozen.count) of \(chosen.graph.freezeGroups.count) groups frozen (\(Quantities.text(count: frozenParameters)) of \(Quantities.text(count: chosen.parameters)) parameters)"
                     + (plan.cacheFeatures ? ", their features computed once and cached" : "") + (plan.linearProbe != nil ? ", after a linear probe (LP-FT)" : ""))
        lines += FreezeBar(graph: chosen.graph, frozen: Set(chosen.freeze.frozen)).lines
        lines += ["", "Training:"]
        let optimizer = plan.optimizer, schedule = plan.schedule
        var settings = [
            ["optimizer", optimizer.kind == .sgdMomentum ? "SGD, momentum \(optimizer.momentum ?? 0)" : "AdamW, betas \(optimizer.betas?.map { String($0) }.joined(separator: ", ") ?? "")"],
            ["learning rate", "head \(optimizer.headLearningRate), backbone \(optimizer.backboneLearningRate)" + (optimizer.layerDecay.map { ", ×\($0) per group down" } ?? "") + ", weight decay \(optimizer.weightDecay)"],
            ["schedule", "\(schedule.kind.rawValue), \(schedule.steps) steps (\(String(format: "%.1f", schedule.epochs)) epochs), \(schedule.warmupSteps) warm-up"
                + (schedule.milestones.map { ", ÷10 at " + $0.map(String.init).joined(separator: ", ") } ?? "")],
            ["batch", "\(plan.batchSize)"],
            ["regularisation", "head dropout \(plan.head.dropout), mixup \(plan.regularisation.mixup), label smoothing \(plan.regularisation.labelSmoothing)"
                + (plan.regularisation.augmentation.isEmpty ? ", no augmentation" : ", " + plan.regularisation.augmentation.joined(separator: ", "))],
            ["seeds", plan.seeds.count == 1 ? "1" : "\(plan.seeds.count) (keep the best on validation)"],
        ]
        if let stopping = plan.earlyStopping { settings.append(["early stopping", "\(stopping.metric), patience \(stopping.patience) evaluations every \(stopping.evaluateEverySteps) steps"]) }
        if let probe = plan.linearProbe { settings.append(["linear probe", "\(probe.steps) steps (\(Int(probe.epochs)) epochs) at \(probe.learningRate), head only"]) }
        lines += fieldLines(settings)
        let estimates = plan.estimates
        lines += ["", "Estimates:"]
        lines += fieldLines([
            ["training time", "\(Quantities.text(seconds: estimates.trainingSeconds.expected)) (\(Quantities.text(seconds: estimates.trainingSeconds.low)) to \(Quantities.text(seconds: estimates.trainingSeconds.high)))"],
            ["peak memory", "\(Format.bytes(Int(estimates.peakMemoryBytes.expected))) (\(Format.bytes(Int(estimates.peakMemoryBytes.low))) to \(Format.bytes(Int(estimates.peakMemoryBytes.high))))"],
            ["accuracy", estimates.accuracy.map { String(format: "%.0f%% (%.0f%% to %.0f%%)", $0.expected * 100, $0.low * 100, $0.high * 100) } ?? "not estimated (see why)"],
        ])
        lines += ["", "Why:"]
        for (index, reason) in plan.reasons.enumerated() {
            lines.append("  \(index + 1). [\(reason.decision)] \(reason.text)" + (reason.evidence.isEmpty ? "" : " — " + reason.evidence.joined(separator: "; ")))
        }
        if !plan.alternatives.isEmpty {
            lines += ["", "Alternatives:"]
            for alternative in plan.alternatives { lines.append("  \(alternative.rank). \(alternative.model): \(alternative.tradeOff)") }
        }
        if !plan.warnings.isEmpty {
            lines += ["", "Warnings:"]
            lines += plan.warnings.map { "  ! \($0)" }
        }
        return lines
    }

    /// Every candidate with a published accuracy: estimated training time against it.
    static func plot(_ advice: Advice) -> ScatterPlot {
        let all = advice.ranked + advice.excluded
        let metric = all.compactMap(\.prior).first.map { "\($0.dataset) \($0.metric) (%)" } ?? "published accuracy (%)"
        return ScatterPlot(
            title: "zoo advise: \(Quantities.text(seconds: advice.plan.budget.wallClockSeconds)) budget, \(advice.plan.profile.examples) examples",
            xLabel: "estimated training time (s)", yLabel: metric, logX: true,
            points: all.compactMap { candidate in
                candidate.prior.map { prior in
                    ScatterPlot.Point(label: candidate.name, x: max(candidate.trainingSeconds, 1e-3), y: prior.value,
                                      group: candidate.name == advice.plan.model.name ? "recommended" : candidate.isFeasible ? "fits" : "excluded")
                }
            })
    }

    /// `zoo advise --json`: the plan, whether it fits, and every candidate.
    struct JSON: Encodable {
        struct CandidateJSON: Encodable {
            let name: String, family: String, checkpoint: String
            let prior: TransferPrior?
            let logme: BootstrapScore?
            let fit: Double?
            let frozen: [String], trainable: [String]
            let cacheFeatures: Bool
            let trainingSeconds: Double, peakBytes: Int, latencyMs: Double, parameters: Int
            let accuracy: FineTunePlan.Estimate?
            let feasible: Bool
            let exclusions: [String], warnings: [String]
        }

        let feasible: Bool
        let planFile: String
        let plan: FineTunePlan
        let candidates: [CandidateJSON]

        init(_ advice: Advice, output: String) {
            let all = advice.ranked + advice.excluded
            (feasible, planFile, plan) = (advice.feasible, output, advice.plan)
            candidates = all.map { c in
                CandidateJSON(
                    name: c.name, family: c.family, checkpoint: c.checkpoint.name, prior: c.prior, logme: c.transferability, fit: advice.fits[c.name],
                    frozen: c.freeze.frozen.map(\.description), trainable: c.freeze.trainable.map(\.description), cacheFeatures: c.freeze.cacheFeatures,
                    trainingSeconds: c.trainingSeconds, peakBytes: c.peakBytes, latencyMs: c.latencyMs, parameters: c.parameters,
                    accuracy: c.accuracy, feasible: c.isFeasible, exclusions: c.exclusions, warnings: c.warnings)
            }
        }

    }
}
