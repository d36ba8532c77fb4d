import Plans

/// A record or folder left out because `DataOptions.skipBad` was set, and why.
public struct SkippedExample: Sendable, Equatable {
    /// `file:line`, a class folder, or an image path.
    public let origin: String
    public let reason: String

    public init(origin: String, reason: String) { (self.origin, self.reason) = (origin, reason) }
}

/// What `DataSource.read` found: the training split, and validation and test splits when the data
/// names them (same `classes` as `train`).
public struct DataSplits: Sendable {
    public var train: LabelledExamples
    public var validation: LabelledExamples?
    public var test: LabelledExamples?
    /// What `skipBad` left out, in reading order.
    public var skipped: [SkippedExample]
    /// What was read, in words: `image folder /data/pets (train/, val/)`, `IDX folder …`, `CSV file …`.
    public var source: String
    public var modality: TaskProfile.Modality

    public init(
        train: LabelledExamples, validation: LabelledExamples? = nil, test: LabelledExamples? = nil, skipped: [SkippedExample] = [],
        source: String, modality: TaskProfile.Modality
    ) {
        (self.train, self.validation, self.test, self.skipped, self.source, self.modality) = (train, validation, test, skipped, source, modality)
    }
}
