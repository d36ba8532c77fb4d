import Plans
import Training

/// A labelled dataset on disk, read by `DataSource` (image folders, IDX folders, CSV, TSV and JSON
/// Lines files, split folders) and counted for the task profile. Counts are of the training split
/// (all of the data when it names no splits); `LabelledSample` draws a scoring sample from it.
public struct LabelledDataset: Sendable {
    public enum Kind: String, Sendable { case images, texts }

    public let kind: Kind
    /// What was read.
    public let splits: DataSplits

    /// The training split's examples.
    public var train: LabelledExamples { splits.train }
    /// Class names (regression: target names), in the order `ExampleTarget.label` indexes.
    public var classes: [String] { splits.train.classes }
    /// Training examples per class, in `classes` order (multi-label: examples that have the class).
    public var counts: [Int] { ClassBalance(splits.train).counts }
    public var total: Int { splits.train.count }

    /// Reads `path` as `DataSource.read` does.
    public init(path: String, options: DataOptions = DataOptions()) throws(DataError) {
        splits = try DataSource.read(path, options: options)
        kind = splits.modality == .image ? .images : .texts
    }
}
