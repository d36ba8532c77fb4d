import Architectures
import Plans

/// Which freeze groups to train, whether to cache the frozen prefix's features, and whether to
/// train a linear probe before fine-tuning (LP-FT), with the reasons.
public struct FreezeDecision: Equatable, Sendable {
    /// The model's groups that are frozen, in order from the input.
    public var frozen: [FreezeGroup]
    /// The groups that are trained, in order from the input; the head among them when the graph
    /// was built with the task's head (as the advisor builds it).
    public var trainable: [FreezeGroup]
    /// Compute the frozen prefix's output once and train the rest on the cache.
    public var cacheFeatures: Bool
    /// Train the head alone on frozen features first, then fine-tune the `trainable` groups from
    /// there (LP-FT, Kumar et al., ICLR 2022).
    public var linearProbeFirst: Bool
    /// Lower learning rates for lower trainable groups (layer-wise decay).
    public var layerwiseDecay: Bool
    public var reasons: [FineTunePlan.Reason]

    /// Whether only the head (and an encoder's pooler) trains: the backbone's features stay fixed.
    public var backboneFrozen: Bool { trainable.allSatisfy { $0 == .head || $0 == .pooler } }

    /// The decision as a plan's `freeze`, over `graph`'s groups.
    public func planFreeze(_ graph: ModelGraph) -> FineTunePlan.Freeze { FineTunePlan.Freeze(graph, frozen: frozen) }
}
