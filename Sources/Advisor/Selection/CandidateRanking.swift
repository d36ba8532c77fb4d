import Plans
/// Orders feasible candidates by how well they should fit the task, or by cost among those good
/// enough. Fit blends the prior (published accuracy on the task's benchmark) with LogME on the
/// user's sample where computed: each as a z-score across the candidates that have it, averaged
/// (evidence §2: no transferability metric wins everywhere; blend the prior with LogME). LogME
/// scores tied by their bootstrap intervals count as equal (the tied group's mean).
public enum CandidateRanking {
    /// How far below the best prior a candidate may be and still count as good enough, in points.
    /// Our own threshold: about the spread between ResNet-50 and ResNet-152 in evidence Table A.
    public static let goodEnoughPoints = 2.0

    /// A candidate's blended fit: higher is better; nil when it has neither a prior nor a score.
    public static func fits(_ candidates: [ModelCandidate]) -> [String: Double] {
        let priors = zScores(candidates.compactMap { candidate in candidate.prior.map { (candidate.name, $0.value) } })
        let scored = candidates.compactMap { candidate in candidate.transferability.map { (name: candidate.name, score: $0) } }
        let entries = TransferabilityRanking.rank(scored)
        let groupMeans = Dictionary(grouping: entries, by: \.rank).mapValues { group in group.map(\.score.score).reduce(0, +) / Double(group.count) }
        let logME = zScores(entries.map { ($0.name, groupMeans[$0.rank]!) })
        var fits = [String: Double]()
        for candidate in candidates {
            let parts = [priors[candidate.name], logME[candidate.name]].compactMap { $0 }
            if !parts.isEmpty { fits[candidate.name] = parts.reduce(0, +) / Double(parts.count) }
        }
        return fits
    }

    /// `candidates` best first for `objective`: by their `fits(_:)` (cheaper first among equals), or — for the
    /// cheapest good-enough plan — the good-enough ones by training time, then the rest by fit.
    /// Either way, candidates that run their plan in full come before those the budget cut short
    /// (fewer steps or seeds, or only a head): a model's published edge assumes it is trained fully.
    public static func rank(_ candidates: [ModelCandidate], fits: [String: Double], objective: Preferences.Objective) -> [ModelCandidate] {
        let byFit = candidates.sorted { a, b in
            let (fa, fb) = (fits[a.name] ?? -.infinity, fits[b.name] ?? -.infinity)
            if a.compromised != b.compromised { return !a.compromised }
            return fa != fb ? fa > fb : a.trainingSeconds < b.trainingSeconds
        }
        guard objective == .cheapestGoodEnough, let best = byFit.first else { return byFit }
        let good = byFit.filter { isGoodEnough($0, comparedWith: best) }
        return good.sorted { ($0.compromised ? 1 : 0, $0.trainingSeconds) < ($1.compromised ? 1 : 0, $1.trainingSeconds) }
            + byFit.filter { !isGoodEnough($0, comparedWith: best) }
    }

    /// Within `goodEnoughPoints` of the best's prior, and not clearly worse on the sample (its
    /// LogME interval reaches the best's). A candidate with no prior is good enough only on LogME.
    public static func isGoodEnough(_ candidate: ModelCandidate, comparedWith best: ModelCandidate) -> Bool {
        if let score = candidate.transferability, let bestScore = best.transferability, score.high < bestScore.low { return false }
        guard let prior = candidate.prior, let bestPrior = best.prior else {
            return candidate.transferability != nil && best.transferability != nil
        }
        return prior.value >= bestPrior.value - goodEnoughPoints
    }

    /// (value − mean) / standard deviation, by name; all 0 when the values do not vary.
    static func zScores(_ values: [(String, Double)]) -> [String: Double] {
        guard !values.isEmpty else { return [:] }
        let mean = values.map(\.1).reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0.1 - mean) * ($0.1 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        return Dictionary(uniqueKeysWithValues: values.map { ($0.0, deviation > 0 ? ($0.1 - mean) / deviation : 0) })
    }
}
