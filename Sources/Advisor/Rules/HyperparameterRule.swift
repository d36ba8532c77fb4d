import Plans
/// Decides optimizer, learning rates, schedule, batch size, regularisation, early stopping and seeds
/// from the task profile and the freeze decision, by the hyperparameter table of
/// shared/ADVISOR-EVIDENCE.md §3: SGD with BiT-HyperRule's schedule for CNNs, Devlin et al.'s
/// settings for text encoders on plenty of data and Mosbach et al.'s on little.
public enum HyperparameterRule {
    /// Examples below which BERT fine-tuning counts as small-data and unstable (Mosbach et al.'s
    /// small GLUE sets have 2.5k–8.5k; Devlin et al. call 100k+ much less sensitive).
    public static let smallTextExamples = 10_000

    public static func decide(_ profile: TaskProfile, freeze: FreezeDecision) -> HyperparameterDecision {
        profile.modality == .text ? encoder(profile, freeze) : cnn(profile, freeze)
    }

    /// SGD with momentum 0.9, head 0.01 and backbone 0.1× (TLlib); BiT-HyperRule's schedule by
    /// dataset size (warm-up, then ÷10 at three milestones) and its mixup 0.1 from 20k examples —
    /// unless the frozen features are cached, which mixing the inputs every step would defeat.
    private static func cnn(_ profile: TaskProfile, _ freeze: FreezeDecision) -> HyperparameterDecision {
        let (warmup, milestones, steps) = bitSchedule(examples: profile.examples)
        let batch = min(64, profile.examples)
        let mixup = profile.examples >= 20_000 && !freeze.cacheFeatures ? 0.1 : 0
        let augmentation = freeze.cacheFeatures ? [] : ["random-resized-crop", "horizontal-flip"]
        return HyperparameterDecision(
            optimizer: .init(kind: .sgdMomentum, headLearningRate: 0.01, backboneLearningRate: 0.001, layerDecay: nil,
                             weightDecay: 0, momentum: 0.9, betas: nil),
            schedule: .init(kind: .step, warmupSteps: warmup, steps: steps, epochs: epochs(steps, batch, profile.examples), milestones: milestones),
            batchSize: batch,
            regularisation: .init(labelSmoothing: 0, mixup: mixup, augmentation: augmentation),
            earlyStopping: nil, seeds: [0],
            reasons: [
                .init(decision: "optimizer", text: "SGD with momentum 0.9 and no weight decay, as BiT's fine-tuning code sets it (and TLlib's momentum).", evidence: [Evidence.bit, Evidence.tllib]),
                .init(decision: "learning_rate", text: "Head 0.01 and backbone 0.1× (0.001): the new head must move far, the pre-trained backbone little.", evidence: [Evidence.tllib]),
                .init(decision: "schedule", text: "BiT-HyperRule by dataset size (\(profile.examples) examples): \(warmup) warm-up steps, learning rate ÷10 at steps \(milestones.map(String.init).joined(separator: ", ")), \(steps) steps in all.", evidence: [Evidence.bit]),
                .init(decision: "regularisation", text: mixup > 0 ? "Mixup α 0.1 from 20,000 examples up (BiT-HyperRule)."
                    : freeze.cacheFeatures ? "No mixup or augmentation: the frozen features are computed once and cached, and mixed or augmented inputs would change them every step."
                    : "No mixup below 20,000 examples (BiT-HyperRule).", evidence: [Evidence.bit]),
                .init(decision: "batch_size", text: "\(batch) examples per step (64 at most), to fit CPU and small-GPU memory; BiT used 512, so the schedule passes over fewer examples (not from a source).", evidence: []),
            ])
    }

    /// BiT-HyperRule's schedule (google-research/big_transfer bit_hyperrule.py): warm-up steps,
    /// the three steps that divide the learning rate by 10, and the total.
    static func bitSchedule(examples: Int) -> (warmup: Int, milestones: [Int], steps: Int) {
        if examples < 20_000 { return (100, [200, 300, 400], 500) }
        if examples < 500_000 { return (500, [3000, 6000, 9000], 10_000) }
        return (500, [6000, 12_000, 18_000], 20_000)
    }

    /// AdamW: Mosbach et al.'s small-data configuration (LR 2e-5 in their 1e-5–3e-5, 20 epochs
    /// with early stopping, several seeds) or Devlin et al.'s (LR 3e-5, batch 32, 3 epochs).
    private static func encoder(_ profile: TaskProfile, _ freeze: FreezeDecision) -> HyperparameterDecision {
        let small = profile.examples < smallTextExamples
        let batch = min(small ? 16 : 32, profile.examples)
        let rate = small ? 2e-5 : 3e-5
        let epochCount = small ? 20 : 3
        let stepsPerEpoch = (profile.examples + batch - 1) / batch
        let steps = stepsPerEpoch * epochCount
        let warmup = steps / 10
        let layerDecay = freeze.layerwiseDecay ? 0.9 : nil
        let sources = small ? [Evidence.mosbach] : [Evidence.devlin]
        var reasons: [FineTunePlan.Reason] = [
            .init(decision: "optimizer", text: "AdamW with bias correction and weight decay 0.01" + (small ? "; bias correction matters most on little data, where its absence makes fine-tuning fail." : "."),
                  evidence: small ? [Evidence.mosbach, Evidence.zhang] : [Evidence.devlin]),
            .init(decision: "learning_rate", text: small
                ? "2e-5, within 1e-5–3e-5, for head and layers alike: small-data BERT fine-tuning diverges at higher rates."
                : "3e-5, the middle of Devlin et al.'s 5e-5/3e-5/2e-5; 100k+ examples are much less sensitive to it.", evidence: sources),
            .init(decision: "schedule", text: "Linear decay after a 10% warm-up (\(warmup) of \(steps) steps), \(epochCount) epochs"
                  + (small ? ": training longer stabilises small-data fine-tuning." : ", as Devlin et al. fine-tune (2–4)."),
                  evidence: small ? [Evidence.mosbach, Evidence.zhang] : [Evidence.devlin]),
            .init(decision: "batch_size", text: "\(batch) examples per step.", evidence: sources),
        ]
        if let layerDecay {
            reasons.append(.init(decision: "learning_rate", text: "Layer-wise decay \(layerDecay): each group further below the head learns at \(layerDecay)× the rate above it.", evidence: [Evidence.autogluon]))
        }
        let seeds: [UInt64] = small ? [0, 1, 2, 3, 4] : [0]
        if small {
            reasons.append(.init(decision: "seeds", text: "Five seeds, keeping the best on validation: fine-tuning BERT on little data is unstable from run to run (an optimisation problem, vanishing gradients), so single runs mislead.", evidence: [Evidence.mosbach, Evidence.zhang]))
            reasons.append(.init(decision: "early_stopping", text: "Stop when validation accuracy has not improved for 3 epochs: 20 epochs are a ceiling, not a target.", evidence: [Evidence.mosbach]))
        }
        return HyperparameterDecision(
            optimizer: .init(kind: .adamW, headLearningRate: rate, backboneLearningRate: rate, layerDecay: layerDecay,
                             weightDecay: 0.01, momentum: nil, betas: [0.9, 0.999]),
            schedule: .init(kind: .linear, warmupSteps: warmup, steps: steps, epochs: Double(epochCount)),
            batchSize: batch,
            regularisation: .init(labelSmoothing: 0, mixup: 0, augmentation: []),
            earlyStopping: small ? .init(metric: "accuracy", patience: 3, minDelta: 0, evaluateEverySteps: stepsPerEpoch) : nil,
            seeds: seeds, reasons: reasons)
    }

    private static func epochs(_ steps: Int, _ batch: Int, _ examples: Int) -> Double {
        Double(steps * batch) / Double(max(examples, 1))
    }
}
