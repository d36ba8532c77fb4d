/// Why LogME could not score a set of features.
public enum LogMEError: Error, Equatable, CustomStringConvertible {
    case tooFewSamples(Int)
    case noFeatures
    case sampleCountMismatch(features: Int, targets: Int)
    case singleClass(label: Int)
    case negativeLabel(Int)
    case notFinite(row: Int, column: Int)
    case decompositionFailed(info: Int)

    public var description: String {
        switch self {
        case .tooFewSamples(let count): "LogME needs at least 2 samples, got \(count)"
        case .noFeatures: "the features have no columns"
        case let .sampleCountMismatch(features, targets):
            "the features have \(features) samples (rows) but the labels or targets \(targets): they must match, one per sample"
        case .singleClass(let label): "every sample has label \(label): ranking needs at least two classes"
        case .negativeLabel(let label): "label \(label) is negative: class labels are 0, 1, 2, …"
        case let .notFinite(row, column): "feature [\(row), \(column)] is not a finite number"
        case .decompositionFailed(let info): "the eigen-decomposition of the features' Gram matrix failed (LAPACK dsyevd info \(info))"
        }
    }
}
