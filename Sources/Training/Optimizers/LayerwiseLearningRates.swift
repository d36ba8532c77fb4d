import Architectures
import Engine
import Foundation

/// The learning rates and weight decay of plan.json's `optimizer` section, turned into parameter
/// groups by freeze group.
///
/// - The `head` group learns at `headLearningRate`.
/// - The highest trained group below the head learns at `backboneLearningRate`, and each group of
///   the model further down at `layerDecay` times the group above it: a group `d` places below that
///   one in the model's freeze-group order (`ModelGraph.freezeGroups`, taken from the store's
///   parameters) learns at `backboneLearningRate × layerDecay^d`. Frozen groups in between count, so
///   a surgical plan's lower groups learn as they would with everything above them trained.
/// - Tensors of rank ≥ 2 (convolution and linear weights, embeddings) decay by `weightDecay`;
///   tensors of rank ≤ 1 (biases, batch-norm and layer-norm scales and shifts) get no weight decay,
///   as BERT's and timm's fine-tuning recipes exempt them: decaying a scale towards 0 or a bias
///   towards 0 is not a useful prior.
public struct LayerwiseLearningRates: Sendable, Equatable {
    public var headLearningRate: Double
    public var backboneLearningRate: Double
    /// Per-group factor going down from the backbone's top group; nil means 1 (none).
    public var layerDecay: Double?
    public var weightDecay: Double

    public init(headLearningRate: Double, backboneLearningRate: Double, layerDecay: Double?, weightDecay: Double) {
        (self.headLearningRate, self.backboneLearningRate, self.layerDecay, self.weightDecay) =
            (headLearningRate, backboneLearningRate, layerDecay, weightDecay)
    }

    /// The groups of `store`'s trainable parameters: per trained freeze group, from the input up, one
    /// group of its rank ≥ 2 tensors with `weightDecay` (named as the freeze group) and one of its
    /// rank ≤ 1 tensors with none (named `<group>/no_decay`), each in state-dict order; empty groups
    /// are left out.
    public func groups(for store: ParameterStore) -> [ParameterGroup] {
        let modelGroups = Set(store.tensors.filter { !$0.isBuffer }.map(\.group)).sorted()
        let trainable = store.trainable
        let trainedGroups = Set(trainable.map(\.group)).sorted()
        let backboneTop = trainedGroups.last { $0 != .head }.flatMap(modelGroups.firstIndex)
        return trainedGroups.flatMap { group -> [ParameterGroup] in
            let rate: Double
            if group == .head {
                rate = headLearningRate
            } else {
                let depth = backboneTop! - modelGroups.firstIndex(of: group)!
                rate = backboneLearningRate * pow(layerDecay ?? 1, Double(depth))
            }
            let members = trainable.filter { $0.group == group }
            let decaying = members.filter { $0.shape.count >= 2 }, exempt = members.filter { $0.shape.count <= 1 }
            return [
                ParameterGroup(name: group.description, parameters: decaying, learningRate: rate, weightDecay: weightDecay),
                ParameterGroup(name: group.description + "/no_decay", parameters: exempt, learningRate: rate, weightDecay: 0),
            ].filter { !$0.parameters.isEmpty }
        }
    }
}
