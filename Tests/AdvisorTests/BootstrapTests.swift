import Tensors
import Testing
@testable import Advisor

@Suite("Bootstrapped LogME and ranking")
struct BootstrapTests {
    /// Features that separate three classes (class mean + noise) or ignore them (noise only).
    static func features(rows: Int, informative: Bool, seed: UInt64) -> FeatureMatrix {
        var generator = SplitMix64(seed: seed)
        let values = (0..<rows * 6).map { index in
            let noise = Double(generator.next() >> 11) / Double(1 << 53) - 0.5
            return noise + (informative && index % 6 == (index / 6) % 3 ? 1.5 : 0)
        }
        return FeatureMatrix(rows: rows, columns: 6, values: values)
    }

    static let labels = (0..<90).map { $0 % 3 }

    @Test("the spread comes from real resamples: same seed same result, the interval around the full score")
    func spread() throws {
        let features = Self.features(rows: 90, informative: true, seed: 1)
        let first = try BootstrapScore.logME(features: features, labels: Self.labels, resamples: 40, seed: 7)
        let again = try BootstrapScore.logME(features: features, labels: Self.labels, resamples: 40, seed: 7)
        let other = try BootstrapScore.logME(features: features, labels: Self.labels, resamples: 40, seed: 8)
        #expect(first == again)
        #expect(first.mean != other.mean)
        #expect(first.resamples == 40)
        #expect(first.score == (try LogME.score(features: features, labels: Self.labels)))
        #expect(first.standardDeviation > 0)
        #expect(first.low < first.score && first.score < first.high)
    }

    @Test("the interval is the full score ∓ 1.96 standard deviations of the resamples")
    func interval() {
        let summary = BootstrapScore(score: 5, resampled: [1, 2, 3, 4, 5])
        #expect(summary.mean == 3 && abs(summary.standardDeviation - 2.5.squareRoot()) < 1e-15)
        #expect(abs(summary.low - (5 - 1.96 * 2.5.squareRoot())) < 1e-12 && abs(summary.high - (5 + 1.96 * 2.5.squareRoot())) < 1e-12)
    }

    @Test("informative features rank first on their own; two equally good feature sets tie")
    func ranking() throws {
        let good = try BootstrapScore.logME(features: Self.features(rows: 90, informative: true, seed: 1), labels: Self.labels, resamples: 30)
        let twin = try BootstrapScore.logME(features: Self.features(rows: 90, informative: true, seed: 2), labels: Self.labels, resamples: 30)
        let noise = try BootstrapScore.logME(features: Self.features(rows: 90, informative: false, seed: 3), labels: Self.labels, resamples: 30)
        let ranked = TransferabilityRanking.rank([("noise", noise), ("good", good), ("twin", twin)])
        #expect(ranked.map(\.rank) == [1, 1, 3])
        #expect(ranked.map(\.tied) == [true, true, false])
        #expect(Set(ranked.prefix(2).map(\.name)) == ["good", "twin"] && ranked[2].name == "noise")
    }
}
