import Architectures
import Plans

/// Decides how much of the model to freeze from the task profile and the model's freeze groups,
/// by the rules table of shared/ADVISOR-EVIDENCE.md §3 (CNN and encoder columns): small and similar
/// data trains the head (and, for encoders, the top third), input-level shift trains early blocks,
/// label shift the last ones, large or very different data everything, and robustness needs LP-FT.
public enum FreezeDepthRule {
    /// The decision for `profile` on a model with `groups` (`ModelGraph.freezeGroups`: stem,
    /// stages, head for CNNs; embeddings, layers, pooler, head for encoders).
    public static func decide(_ profile: TaskProfile, groups: [FreezeGroup]) -> FreezeDecision {
        let regime = DataRegime(profile)
        let isEncoder = groups.contains(.embeddings)
        if profile.robustness { return linearProbeThenFineTune(groups, isEncoder: isEncoder) }
        return isEncoder ? encoder(profile, regime, groups) : cnn(profile, regime, groups)
    }

    /// The decision for a registry model's graph.
    public static func decide(_ profile: TaskProfile, graph: ModelGraph) -> FreezeDecision {
        decide(profile, groups: graph.freezeGroups)
    }

    private static func cnn(_ profile: TaskProfile, _ regime: DataRegime, _ groups: [FreezeGroup]) -> FreezeDecision {
        let stages = groups.filter { if case .stage = $0 { true } else { false } }
        switch (profile.shift, regime) {
        case (.input, .small):
            let early: [FreezeGroup] = [.stem] + stages.prefix(1)
            return decision(groups, training: early + [.head], cache: false, reason:
                "Little data whose inputs differ from the pre-training data (\(profile.shift)): train the stem and the first stage, where "
                + "input-level features live, with the new head, and keep the later stages frozen; tuning the first block alone matches or "
                + "beats full fine-tuning under input-level shift.", [Evidence.surgical, Evidence.yosinski])
        case (.label, .small), (.none, .small), (.unknown, .small):
            let labelShift = profile.shift == .label
            return decision(groups, training: [.head], cache: true, reason:
                (labelShift ? "A new label mapping on familiar inputs with little data" : "Little data (\(profile.smallestClass) examples in the smallest class) \(similarity(profile))")
                + ": freeze the whole backbone and train a linear head on its top features, computed once and cached; "
                + "top-layer features are general enough here and tuning them on so few examples would overfit.",
                labelShift ? [Evidence.surgical, Evidence.cs231n] : [Evidence.cs231n, Evidence.yosinski])
        case (.label, .medium):
            return decision(groups, training: stages.suffix(1) + [.head], cache: false, reason:
                "A new label mapping on familiar inputs: the shift is at the output, so train the head and the last stage, where "
                + "task-specific features live, and keep the earlier stages frozen.", [Evidence.surgical, Evidence.yosinski])
        case (.none, .medium), (.unknown, .medium):
            let frozen = 1 + min(1, stages.count)
            return decision(groups, training: Array(groups.dropFirst(frozen)), cache: false, reason:
                "A medium amount of data (\(profile.examples) examples) \(similarity(profile)): freeze the stem and "
                + "the first stage, whose general features need no change, and fine-tune the rest with the backbone at 0.1× the head's learning rate.",
                [Evidence.yosinski, Evidence.cs231n, Evidence.tllib])
        case (.input, .medium), (_, .large):
            return decision(groups, training: groups, cache: false, reason:
                regime == .large
                    ? "Plenty of data (\(profile.examples) examples): fine-tune every group, starting from the pre-trained weights even when the domain differs."
                    : "Data that differs from the pre-training data (\(profile.shift)) with enough examples to adapt: fine-tune every group.",
                [Evidence.cs231n, Evidence.yosinski])
        }
    }

    private static func encoder(_ profile: TaskProfile, _ regime: DataRegime, _ groups: [FreezeGroup]) -> FreezeDecision {
        let layers = groups.filter { if case .layer = $0 { true } else { false } }
        let above = groups.filter { $0 == .pooler || $0 == .head }
        switch (profile.shift, regime) {
        case (.none, .small), (.unknown, .small):
            let top = layers.count - (2 * layers.count + 2) / 3
            return decision(groups, training: layers.suffix(top) + above, cache: true, reason:
                "Little text \(similarity(profile)): freeze the embeddings and the bottom two thirds of the layers "
                + "(\(layers.count - top) of \(layers.count)) and tune the top \(top) with the head; tuning only the top layers keeps most "
                + "of full fine-tuning's quality, while freezing every layer falls to the majority baseline. The frozen layers' "
                + "outputs are computed once and cached.", [Evidence.elsa, Evidence.frozenRoberta])
        case (.label, .small), (.label, .medium):
            let top = (layers.count + 3) / 4
            return decision(groups, training: layers.suffix(top) + above, cache: true, reason:
                "A new label mapping on familiar text: train the head and the top \(top) of \(layers.count) layers (the last quarter), "
                + "which keeps about 90% of full fine-tuning's quality; the frozen layers' outputs are computed once and cached.",
                [Evidence.elsa, Evidence.surgical])
        case (.input, .small):
            var full = decision(groups, training: groups, cache: false, reason:
                "Little text that differs from the pre-training text (\(profile.shift)): fine-tune every layer, the lower ones at "
                + "smaller learning rates (layer-wise decay), so that the input-level layers can adapt without the top being overwritten.",
                [Evidence.surgical, Evidence.autogluon])
            full.layerwiseDecay = true
            return full
        case (_, .medium), (_, .large):
            return decision(groups, training: groups, cache: false, reason:
                "Enough text (\(profile.examples) examples) to fine-tune every layer; tuning all layers is the standard BERT recipe.",
                [Evidence.devlin, Evidence.elsa])
        }
    }

    private static func linearProbeThenFineTune(_ groups: [FreezeGroup], isEncoder: Bool) -> FreezeDecision {
        var lpft = decision(groups, training: groups, cache: false, reason:
            "Robustness to distribution shift matters: first train a linear probe (head only, backbone frozen), then fine-tune "
            + "everything from it (LP-FT). Full fine-tuning from a random head distorts the pre-trained features; LP-FT was 10% better "
            + "out of distribution than full fine-tuning and 1% better in distribution."
            + (isEncoder ? " For text encoders this is extrapolated from image results (not confirmed in a source read)." : ""),
            [Evidence.lpft])
        lpft.linearProbeFirst = true
        return lpft
    }

    /// How the profile's data stands to the pre-training data, in words; an unknown shift is
    /// taken as none, and the reason says so.
    private static func similarity(_ profile: TaskProfile) -> String {
        profile.shift == .unknown ? "whose distance from the pre-training data is unknown (taken as similar)" : "similar to the pre-training data"
    }

    /// Trains `training` (in `groups`' order) and freezes the rest.
    private static func decision(_ groups: [FreezeGroup], training: [FreezeGroup], cache: Bool, reason: String, _ evidence: [String]) -> FreezeDecision {
        let trained = Set(training)
        return FreezeDecision(frozen: groups.filter { !trained.contains($0) }, trainable: groups.filter(trained.contains),
                              cacheFeatures: cache, linearProbeFirst: false, layerwiseDecay: false,
                              reasons: [.init(decision: "freeze", text: reason, evidence: evidence)]
                                  + (cache ? [.init(decision: "cache_features", text: "Only the head and groups above the frozen prefix train, and without input augmentation the frozen prefix's output is the same every epoch: compute it once and train on the cache, which makes each epoch a fraction of a full forward pass.", evidence: [Evidence.featureCache])] : []))
    }
}
