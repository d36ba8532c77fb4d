import Tensors

/// A transferability score with its sampling spread: the score on all rows, and its distribution
/// over bootstrap resamples of the rows (drawn with replacement), so that two candidates whose
/// scores differ by less than the data can tell apart are reported as ties (ADVISOR-EVIDENCE.md §2:
/// "bootstrap the score, and call near-equal scores ties").
public struct BootstrapScore: Sendable, Equatable, Codable {
    /// The score on every row.
    public let score: Double
    public let mean: Double
    public let standardDeviation: Double
    /// A 95% interval, score ∓ 1.96·standardDeviation (the normal bootstrap interval). Not the
    /// resamples' percentiles: a resample repeats rows, and LogME rises when rows repeat (about
    /// +0.08 per sample at N = 300, D = 64), so the resamples sit above the full-data score while
    /// their spread still measures its sampling noise.
    public let low: Double
    public let high: Double
    public let resamples: Int

    /// The most resamples `zoo score` and `zoo advise` accept: a 95% interval needs hundreds, and
    /// each costs a LogME (a count near Int.max once reserved that many scores and aborted).
    public static let maximumResamples = 100_000

    /// LogME of `features` for `labels`, with `resamples` bootstrap resamples drawn by
    /// `SplitMix64(seed:)`. The resampled rows depend only on N and the seed, so candidates scored
    /// on the same data with the same seed share their resamples (a paired bootstrap), which makes
    /// their differences sharper than their separate spreads. A resample that holds one class only
    /// is drawn again.
    public static func logME(
        features: FeatureMatrix, labels: [Int], resamples: Int = 100, seed: UInt64 = 0, options: LogME.Options = .init()
    ) throws(LogMEError) -> BootstrapScore {
        let full = try LogME.score(features: features, labels: labels, options: options)
        var generator = SplitMix64(seed: seed)
        var scores = [Double]()
        scores.reserveCapacity(resamples)
        let n = features.rows
        while scores.count < resamples {
            let rows = (0..<n).map { _ in Int(generator.next() % UInt64(n)) }
            let picked = rows.map { labels[$0] }
            guard Set(picked).count >= 2 else { continue }
            scores.append(try LogME.score(features: features.selecting(rows: rows), labels: picked, options: options))
        }
        return BootstrapScore(score: full, resampled: scores)
    }

    /// Summarises `resampled` around the full-data `score`.
    public init(score: Double, resampled: [Double]) {
        self.score = score
        resamples = resampled.count
        let count = Double(max(resampled.count, 1))
        let average = resampled.isEmpty ? score : resampled.reduce(0, +) / count
        mean = average
        standardDeviation = resampled.count < 2 ? 0 : (resampled.reduce(0) { $0 + ($1 - average) * ($1 - average) } / (count - 1)).squareRoot()
        low = score - 1.96 * standardDeviation
        high = score + 1.96 * standardDeviation
    }
}
