import Plans

/// How `DataSource.read` turns files into labelled examples.
public struct DataOptions: Sendable, Equatable {
    /// Decides the targets: class indices (single-label, sentence-pair), class sets (multi-label),
    /// or numbers (regression).
    public var kind: TaskProfile.Kind
    /// The label column of a CSV, TSV or JSONL file; nil: the first of `DataOptions.labelColumns`
    /// found in the header. For regression, several target columns may be given comma-separated.
    public var labelColumn: String?
    /// The text column; nil: the first of `DataOptions.textColumns` found in the header.
    public var textColumn: String?
    /// The second text of a sentence pair; nil: the first of `DataOptions.pairColumns` found.
    /// The sentence-pair kind requires one.
    public var pairColumn: String?
    /// A column naming each example's group (a movie, a patient), recorded in `Example.group`.
    public var groupColumn: String?
    /// Skip bad records and empty class folders (listing them in `DataSplits.skipped`) instead of failing.
    public var skipBad: Bool
    /// What separates a multi-label field's labels (`cat|dog`).
    public var multiLabelSeparator: Character

    public init(
        kind: TaskProfile.Kind = .singleLabel, labelColumn: String? = nil, textColumn: String? = nil, pairColumn: String? = nil,
        groupColumn: String? = nil, skipBad: Bool = false, multiLabelSeparator: Character = "|"
    ) {
        (self.kind, self.labelColumn, self.textColumn, self.pairColumn) = (kind, labelColumn, textColumn, pairColumn)
        (self.groupColumn, self.skipBad, self.multiLabelSeparator) = (groupColumn, skipBad, multiLabelSeparator)
    }

    /// Label column names looked for, in order, when `labelColumn` is nil.
    public static let labelColumns = ["label", "labels", "category", "class", "target", "y"]
    /// Text column names looked for, in order, when `textColumn` is nil.
    public static let textColumns = ["text", "sentence", "sentence1", "review"]
    /// Pair column names looked for, in order, when `pairColumn` is nil.
    public static let pairColumns = ["text_pair", "sentence2"]
}
