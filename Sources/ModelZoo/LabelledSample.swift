import Advisor
import Tensors
import Training

/// A labelled sample of the user's data, for scoring candidates on it: the training split of
/// whatever `DataSource` reads (see `LabelledDataset`), single-label. `labels[i]` indexes `classes`.
public struct LabelledSample: Sendable {
    public enum Inputs: Sendable {
        /// Image file paths.
        case images([String])
        /// Images of an IDX set, by index.
        case greyImages(GreyImageSet, [Int])
        case texts([String])
    }

    public let inputs: Inputs
    public let labels: [Int]
    public let classes: [String]

    public var count: Int { labels.count }

    /// Reads `path` and keeps at most `limit` training examples, drawn evenly across the classes
    /// in an order shuffled by `SplitMix64(seed:)` (all of them when `limit` is nil). Throws when
    /// the path is missing, holds no examples, only one class, or sentence pairs.
    public init(path: String, limit: Int? = nil, seed: UInt64 = 0) throws(DataError) {
        let train = try LabelledDataset(path: path).train
        var members = [[Int]](repeating: [], count: train.classes.count)
        for (index, example) in train.examples.enumerated() {
            if case .label(let label) = example.target { members[label].append(index) }
        }
        let present = members.indices.filter { !members[$0].isEmpty }
        guard present.count >= 2 else { throw .singleClass(path, label: present.first.map { train.classes[$0] } ?? "") }
        // Shuffle within each class, then deal round-robin so a limit keeps the classes balanced.
        var generator = SplitMix64(seed: seed)
        let queues = members.map { $0.shuffled(using: &generator) }
        var next = [Int](repeating: 0, count: queues.count)
        var chosen = [(example: Int, label: Int)]()
        let wanted = min(limit ?? train.count, train.count)
        while chosen.count < wanted {
            for label in queues.indices where next[label] < queues[label].count && chosen.count < wanted {
                chosen.append((queues[label][next[label]], label))
                next[label] += 1
            }
        }
        let examples = chosen.map { train.examples[$0.example] }
        switch examples.first?.input {
        case .imageFile?: inputs = .images(examples.map { if case .imageFile(let path) = $0.input { path } else { "" } })
        case .greyImage(let set, _)?: inputs = .greyImages(set, examples.map { if case .greyImage(_, let index) = $0.input { index } else { 0 } })
        case .text?, .textPair?, .textRecord?, nil:
            var texts: [String] = []
            for example in examples {
                switch try example.input.text() {
                case .single(let text)?: texts.append(text)
                case .pair?: throw .unsuitable(path, reason: "holds sentence pairs; scoring embeds single texts")
                case nil: throw .unsuitable(path, reason: "mixes images and texts")
                }
            }
            inputs = .texts(texts)
        }
        labels = chosen.map(\.label)
        classes = train.classes
    }
}
