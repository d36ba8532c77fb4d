import Foundation
import Testing
@testable import Advisor

@Suite("LogME")
struct LogMETests {
    @Test("the LCG features start as the evidence file says")
    func generator() {
        let features = EvidenceVectors.features(rows: 1, columns: 3, offsets: false)
        for (value, expected) in zip(features.values, [0.655154, 0.304814, 0.674961]) { #expect(abs(value - expected) < 5e-7) }
    }

    @Test("the evidence file's test vectors to 6 decimals (ε = 0, tolerance 1e-10, full log-det)",
          arguments: [(30, 4, -0.349481), (60, 8, -0.340289), (12, 10, -0.633263), (9, 12, -0.567545)])
    func testVectors(rows: Int, columns: Int, expected: Double) throws {
        let score = try LogME.score(
            features: EvidenceVectors.features(rows: rows, columns: columns), labels: EvidenceVectors.labels(rows),
            options: EvidenceVectors.converged)
        #expect(abs(score - expected) < 5e-7, "\(rows)×\(columns): \(score)")
    }

    @Test("the reference's stopping rule (tolerance 1e-3, 11 iterations) stops 12×10's columns after 5, 11, 11 at −0.633411")
    func referenceStoppingRule() throws {
        let features = EvidenceVectors.features(rows: 12, columns: 10)
        let options = LogME.Options(tolerance: 1e-3, maxIterations: 11, epsilon: 0)
        let targets = try LogME.oneHot(EvidenceVectors.labels(12), samples: 12)
        let fits = try LogME.fit(features: features, targets: targets, options: options)
        #expect(fits.map(\.iterations) == [5, 11, 11])
        let score = try LogME.score(features: features, labels: EvidenceVectors.labels(12), options: options)
        #expect(abs(score - -0.633411) < 5e-7, "\(score)")
    }

    @Test("ε = 1e-5 in the α, β updates: the first three vectors unchanged, 9×12 becomes −0.567547",
          arguments: [(30, 4, -0.349481), (60, 8, -0.340289), (12, 10, -0.633263), (9, 12, -0.567547)])
    func epsilonInUpdates(rows: Int, columns: Int, expected: Double) throws {
        let options = LogME.Options(tolerance: 1e-10, maxIterations: 10_000, epsilon: 1e-5)
        let score = try LogME.score(
            features: EvidenceVectors.features(rows: rows, columns: columns), labels: EvidenceVectors.labels(rows), options: options)
        #expect(abs(score - expected) < 5e-7, "\(rows)×\(columns): \(score)")
    }

    @Test("scaling the features globally leaves the score unchanged", arguments: [(30, 4), (9, 12)])
    func scaleInvariance(rows: Int, columns: Int) throws {
        let features = EvidenceVectors.features(rows: rows, columns: columns)
        let scaled = FeatureMatrix(rows: rows, columns: columns, values: features.values.map { $0 * 37.5 })
        let labels = EvidenceVectors.labels(rows)
        let score = try LogME.score(features: features, labels: labels, options: EvidenceVectors.converged)
        let scaledScore = try LogME.score(features: scaled, labels: labels, options: EvidenceVectors.converged)
        #expect(abs(score - scaledScore) < 1e-9, "\(score) vs \(scaledScore)")
    }

    @Test("at the final α, β each column's evidence is log N(t | 0, β⁻¹I + α⁻¹FFᵀ), computed by Cholesky",
          arguments: [(12, 10), (9, 12)])
    func evidenceIsTheMarginalLikelihood(rows: Int, columns: Int) throws {
        let features = EvidenceVectors.features(rows: rows, columns: columns)
        let targets = try LogME.oneHot(EvidenceVectors.labels(rows), samples: rows)
        let fits = try LogME.fit(features: features, targets: targets, options: EvidenceVectors.converged)
        for (column, fit) in fits.enumerated() {
            let t = (0..<rows).map { targets.values[$0 * targets.columns + column] }
            let direct = GaussianLogDensity.zeroMean(t, covariance: { i, j in
                (0..<columns).reduce(0) { $0 + features.values[i * columns + $1] * features.values[j * columns + $1] } / fit.alpha
                    + (i == j ? 1 / fit.beta : 0)
            })
            #expect(abs(fit.evidence - direct) < 1e-8, "column \(column): \(fit.evidence) vs \(direct)")
        }
    }

    @Test("regression: a target the features explain scores higher than one they do not")
    func regression() throws {
        let features = EvidenceVectors.features(rows: 60, columns: 8, offsets: false)
        let explained = (0..<60).map { row in (0..<8).reduce(0.0) { $0 + Double($1 + 1) * features.values[row * 8 + $1] } }
        let unexplained = (0..<60).map { Double(($0 * 7919) % 13) }
        let targets = FeatureMatrix(rows: 60, columns: 1, values: explained)
        let noise = FeatureMatrix(rows: 60, columns: 1, values: unexplained)
        let good = try LogME.score(features: features, targets: targets)
        let bad = try LogME.score(features: features, targets: noise)
        #expect(good > bad + 1, "\(good) vs \(bad)")
        // Two columns score as the mean of each alone.
        let both = FeatureMatrix(rows: 60, columns: 2, values: zip(explained, unexplained).flatMap { [$0, $1] })
        #expect(abs(try LogME.score(features: features, targets: both) - (good + bad) / 2) < 1e-12)
    }

    @Test("bad input is refused with what is wrong")
    func badInput() {
        let features = EvidenceVectors.features(rows: 12, columns: 10)
        #expect(throws: LogMEError.sampleCountMismatch(features: 12, targets: 11)) {
            try LogME.score(features: features, labels: Array(EvidenceVectors.labels(11)))
        }
        #expect(throws: LogMEError.singleClass(label: 2)) { try LogME.score(features: features, labels: Array(repeating: 2, count: 12)) }
        #expect(throws: LogMEError.negativeLabel(-1)) { try LogME.score(features: features, labels: [-1] + EvidenceVectors.labels(11)) }
        var values = features.values
        values[25] = .nan
        #expect(throws: LogMEError.notFinite(row: 2, column: 5)) {
            try LogME.score(features: FeatureMatrix(rows: 12, columns: 10, values: values), labels: EvidenceVectors.labels(12))
        }
    }
}

/// log N(x | 0, Σ) by a plain Cholesky factorisation, independent of LogME's spectral route.
enum GaussianLogDensity {
    static func zeroMean(_ x: [Double], covariance: (Int, Int) -> Double) -> Double {
        let n = x.count
        var lower = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = covariance(i, j)
                for k in 0..<j { sum -= lower[i * n + k] * lower[j * n + k] }
                lower[i * n + j] = i == j ? sum.squareRoot() : sum / lower[j * n + j]
            }
        }
        // Solve L·y = x; then xᵀΣ⁻¹x = ‖y‖² and log det Σ = 2·Σ log Lᵢᵢ.
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = x[i]
            for k in 0..<i { sum -= lower[i * n + k] * y[k] }
            y[i] = sum / lower[i * n + i]
        }
        let logDet = 2 * (0..<n).reduce(0) { $0 + log(lower[$1 * n + $1]) }
        return -0.5 * (y.reduce(0) { $0 + $1 * $1 } + logDet + Double(n) * log(2 * Double.pi))
    }
}
