import Foundation
import Advisor
import Tensors

/// A labelled sample of the user's data, for scoring candidates on it: an image folder with one
/// subfolder per class (JPEG or PNG files), or a text file of `label<TAB>text` lines. Class names
/// are sorted; `labels[i]` indexes `classes`.
public struct LabelledSample: Sendable, Equatable {
    public enum Inputs: Sendable, Equatable {
        /// Image file paths.
        case images([String])
        case texts([String])
    }

    public let inputs: Inputs
    public let labels: [Int]
    public let classes: [String]

    public var count: Int { labels.count }

    /// Reads `path` (a folder or a file, see `LabelledDataset`) and keeps at most `limit` examples,
    /// drawn evenly across the classes in an order shuffled by `SplitMix64(seed:)` (all of them
    /// when `limit` is nil). Throws when the path is missing, holds no examples, or only one class.
    public init(path: String, limit: Int? = nil, seed: UInt64 = 0) throws(LabelledDataError) {
        let dataset = try LabelledDataset(path: path)
        let classes = dataset.classes
        guard classes.count >= 2 else { throw .singleClass(path: path, label: classes.first) }
        // Shuffle within each class, then deal round-robin so a limit keeps the classes balanced.
        var generator = SplitMix64(seed: seed)
        var queues = classes.map { dataset.examples[$0]!.shuffled(using: &generator) }
        var chosen = [(example: String, label: Int)]()
        let total = dataset.total, wanted = min(limit ?? total, total)
        while chosen.count < wanted {
            for label in queues.indices where !queues[label].isEmpty && chosen.count < wanted {
                chosen.append((queues[label].removeFirst(), label))
            }
        }
        inputs = dataset.kind == .images ? .images(chosen.map(\.example)) : .texts(chosen.map(\.example))
        labels = chosen.map(\.label)
        self.classes = classes
    }
}
