import Foundation

/// LogME (You et al., ICML 2021; fixed-point form in arXiv 2110.10545): how well features F (N×D)
/// fit a task, as the log marginal likelihood per sample of Bayesian linear regression from the
/// features to each target column (prior w ~ N(0, α⁻¹I), noise precision β, both set to maximise
/// the evidence), averaged over columns. Classification uses one one-hot column per class present,
/// regression the columns of Y. Higher is better; only differences between models on the same
/// data mean anything.
///
/// The decomposition is done once (`Spectrum`); each column then runs the scalar fixed point
/// over the kept σᵢ. The log-determinant counts all D eigenvalues of βFᵀF + αI, the zero ones as
/// (D−k)·log α: the reference `_fit_fixed_point` drops them and inflates scores when N < D
/// (thuml/LogME #23; shared/ADVISOR-EVIDENCE.md §2).
public enum LogME {
    /// The fixed point's settings.
    ///
    /// Defaults are the evidence file's production settings (ADVISOR-EVIDENCE.md §2): stop when
    /// λ = α/β changes by less than 1e-3 relatively (the reference's 1e-2 and 11 iterations can
    /// stop early: −0.633411 instead of −0.633263 on the 12×10 vector); at most 100 iterations, a
    /// bound that converged columns never reach; ε = 1e-5 added to the α and β denominators, as
    /// the reference does, without which a column the features cannot explain (α → ∞) or fit
    /// exactly (β → ∞) diverges. The evidence itself is evaluated without ε, at m recomputed for
    /// the final α, β.
    public struct Options: Sendable, Equatable {
        public var tolerance: Double
        public var maxIterations: Int
        public var epsilon: Double

        public init(tolerance: Double = 1e-3, maxIterations: Int = 100, epsilon: Double = 1e-5) {
            self.tolerance = tolerance
            self.maxIterations = maxIterations
            self.epsilon = epsilon
        }
    }

    /// One target column's fit.
    public struct ColumnFit: Sendable, Equatable {
        public let alpha: Double
        public let beta: Double
        public let iterations: Int
        /// The log evidence log p(t | F, α, β) (not divided by N).
        public let evidence: Double
    }

    /// LogME of `features` for single-label classification (`labels[i]` ∈ 0, 1, 2, …).
    public static func score(features: FeatureMatrix, labels: [Int], options: Options = Options()) throws(LogMEError) -> Double {
        try score(features: features, targets: oneHot(labels, samples: features.rows), options: options)
    }

    /// LogME of `features` for regression on the N×K `targets` (each column fitted on its own).
    public static func score(features: FeatureMatrix, targets: FeatureMatrix, options: Options = Options()) throws(LogMEError) -> Double {
        let fits = try fit(features: features, targets: targets, options: options)
        return fits.reduce(0) { $0 + $1.evidence } / Double(fits.count * features.rows)
    }

    /// Each target column's α, β and evidence.
    public static func fit(features: FeatureMatrix, targets: FeatureMatrix, options: Options = Options()) throws(LogMEError) -> [ColumnFit] {
        try validate(features)
        guard targets.rows == features.rows else { throw .sampleCountMismatch(features: features.rows, targets: targets.rows) }
        let spectrum = try Spectrum(features: features, targets: targets)
        return spectrum.projections.indices.map { column in
            fitColumn(spectrum.sigma, z: spectrum.projections[column], targetNorm: spectrum.targetNorms[column],
                      samples: features.rows, dimensions: features.columns, options: options)
        }
    }

    /// One one-hot column per distinct label, in ascending label order.
    public static func oneHot(_ labels: [Int], samples: Int) throws(LogMEError) -> FeatureMatrix {
        guard labels.count == samples else { throw .sampleCountMismatch(features: samples, targets: labels.count) }
        if let negative = labels.first(where: { $0 < 0 }) { throw .negativeLabel(negative) }
        let classes = Array(Set(labels)).sorted()
        guard classes.count >= 2 else { throw .singleClass(label: classes.first ?? 0) }
        let column = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var values = [Double](repeating: 0, count: samples * classes.count)
        for (row, label) in labels.enumerated() { values[row * classes.count + column[label]!] = 1 }
        return FeatureMatrix(rows: samples, columns: classes.count, values: values)
    }

    private static func validate(_ features: FeatureMatrix) throws(LogMEError) {
        guard features.rows >= 2 else { throw .tooFewSamples(features.rows) }
        guard features.columns > 0 else { throw .noFeatures }
        if let bad = features.values.firstIndex(where: { !$0.isFinite }) {
            throw .notFinite(row: bad / features.columns, column: bad % features.columns)
        }
    }

    /// The fixed point α ← γ/‖m‖², β ← (N−γ)/‖Fm−t‖² for one column, then its evidence.
    static func fitColumn(_ sigma: [Double], z: [Double], targetNorm: Double, samples: Int, dimensions: Int, options: Options) -> ColumnFit {
        let n = Double(samples), d = Double(dimensions)
        let zSquared = z.map { $0 * $0 }
        let outside = max(targetNorm - zSquared.reduce(0, +), 0)  // r⊥ = ‖t‖² − ‖z‖²
        /// γ, ‖m‖² and ‖Fm−t‖² at λ = α/β.
        func sums(_ lambda: Double) -> (gamma: Double, weights: Double, residual: Double) {
            var gamma = 0.0, weights = 0.0, residual = outside
            for i in sigma.indices {
                let denominator = sigma[i] + lambda
                gamma += sigma[i] / denominator
                weights += sigma[i] * zSquared[i] / (denominator * denominator)
                let shrink = lambda / denominator
                residual += shrink * shrink * zSquared[i]
            }
            return (gamma, weights, residual)
        }
        var alpha = 1.0, beta = 1.0, iterations = 0
        while iterations < options.maxIterations {
            iterations += 1
            let lambda = alpha / beta
            let (gamma, weights, residual) = sums(lambda)
            alpha = gamma / (weights + options.epsilon)
            beta = (n - gamma) / (residual + options.epsilon)
            if abs(alpha / beta - lambda) / lambda < options.tolerance { break }
        }
        let (_, weights, residual) = sums(alpha / beta)
        let logDeterminant = sigma.reduce(0) { $0 + log(alpha + beta * $1) } + (d - Double(sigma.count)) * log(alpha)
        let evidence = d / 2 * log(alpha) + n / 2 * log(beta) - logDeterminant / 2
            - beta / 2 * residual - alpha / 2 * weights - n / 2 * log(2 * Double.pi)
        return ColumnFit(alpha: alpha, beta: beta, iterations: iterations, evidence: evidence)
    }
}
