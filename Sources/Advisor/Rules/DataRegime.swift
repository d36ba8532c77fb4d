import Plans
/// How much labelled data there is and how far it is from the pre-training data, in the regimes
/// of the evidence file's rules table (shared/ADVISOR-EVIDENCE.md §3).
public enum DataRegime: Equatable, Sendable {
    /// About 20 examples per class or fewer.
    case small
    /// More than that, up to about 50,000 examples.
    case medium
    /// More than about 50,000 examples.
    case large

    /// The most examples per class that still count as small data.
    public static let smallPerClass = 20
    /// The most examples in all that still count as medium data.
    public static let mediumExamples = 50_000

    /// The regime of `profile`: small by its smallest class (per-class counts decide small data
    /// for classification), medium or large by its examples in all. Regression has no classes, so
    /// its targets count as one class each.
    public init(_ profile: TaskProfile) {
        if profile.smallestClass <= Self.smallPerClass { self = .small }
        else if profile.examples <= Self.mediumExamples { self = .medium }
        else { self = .large }
    }
}
