import Architectures
import Plans

/// Which of a card's checkpoints to start from, and why: the most accurate on the task's benchmark,
/// unless the whole backbone stays frozen. Fixed features are sensitive to how a checkpoint was
/// trained: regularisers such as label smoothing raise ImageNet accuracy but hurt penultimate
/// features (Kornblith et al.), so a frozen backbone starts from the card's first checkpoint, the
/// original recipe (torchvision's IMAGENET1K_V1; its V2 weights use label smoothing, mixup and cutmix).
struct CheckpointChoice {
    let checkpoint: ModelCard.Checkpoint
    let prior: TransferPrior?
    let reason: FineTunePlan.Reason

    init?(_ card: ModelCard, model: String, profile: TaskProfile, freeze: FreezeDecision) {
        guard let first = card.checkpoints.first else { return nil }
        let priors = TransferPrior.priors(card, for: profile)
        let chosen: TransferPrior? = freeze.backboneFrozen ? priors.first : priors.max { $0.value < $1.value }
        let checkpoint = card.checkpoints.first { $0.name == chosen?.checkpoint } ?? first
        (prior, self.checkpoint) = (chosen, checkpoint)
        var text = chosen.map { "\(model) \(checkpoint.name) (\(checkpoint.library)): \($0.summary)." } ?? "\(model) \(checkpoint.name) (\(checkpoint.library)): its card publishes no \(TransferPrior.metrics(for: profile).joined(separator: " or ")), so its prior is unknown."
        var evidence = [Evidence.kornblith]
        if priors.count > 1 {
            text += freeze.backboneFrozen
                ? " The backbone stays frozen, so the card's original-recipe checkpoint is used rather than the more accurate one: regularisers that raise ImageNet accuracy hurt fixed penultimate features."
                : " The most accurate of its \(priors.count) checkpoints: fine-tuned accuracy follows ImageNet accuracy (r = 0.96)."
        }
        if profile.modality == .text {
            text += " Text priors mix GLUE dev and test results across cards: differences of a point or two are noise."
            evidence = []
        }
        reason = .init(decision: "checkpoint", text: text, evidence: evidence)
    }
}
