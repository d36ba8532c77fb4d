import Architectures
import Plans

/// What published evidence says about a checkpoint before any of the user's data is seen: its
/// accuracy on the benchmark that stands in for the task. ImageNet top-1 for images (a better
/// ImageNet model usually fine-tunes better: r = 0.96 over 16 networks and 12 datasets, Kornblith
/// et al.), SST-2 for single-sentence text, MNLI for sentence pairs and STS-B for regression on text.
public struct TransferPrior: Equatable, Sendable, Codable {
    /// The card's checkpoint name.
    public var checkpoint: String
    public var metric: String
    /// In percent, as the card publishes it.
    public var value: Double
    public var dataset: String
    public var source: String

    /// The card metrics that stand in for `profile`'s task, best first.
    static func metrics(for profile: TaskProfile) -> [String] {
        switch (profile.modality, profile.kind) {
        case (.image, _): ["acc@1"]
        case (.text, .sentencePair): ["MNLI-m accuracy", "MNLI accuracy", "MultiNLI accuracy"]
        case (.text, .regression): ["STS-B Spearman", "STS-B score"]
        case (.text, _): ["SST-2 accuracy"]
        }
    }

    /// The prior of each checkpoint of `card` that publishes one of the task's metrics, in the
    /// card's order.
    public static func priors(_ card: ModelCard, for profile: TaskProfile) -> [TransferPrior] {
        let wanted = metrics(for: profile)
        return card.checkpoints.compactMap { checkpoint in
            for metric in wanted {
                if let accuracy = checkpoint.accuracy.first(where: { $0.metric == metric }) {
                    return TransferPrior(checkpoint: checkpoint.name, metric: metric, value: accuracy.value, dataset: accuracy.dataset, source: accuracy.source)
                }
            }
            return nil
        }
    }

    /// "ImageNet-1K val acc@1 76.1%".
    public var summary: String { "\(dataset) \(metric) \(String(format: "%.1f", value))%" }
}
