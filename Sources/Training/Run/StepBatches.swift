import Engine
import Plans

/// What one optimizer step trains on: its examples' targets and their input.
struct StepBatch: Sendable {
    enum Input: Sendable {
        /// The frozen prefix's cached outputs.
        case features([[Float]], attentionMask: [Int]?)
        /// Preprocessed (augmented, mixed) images, `[count, 3, crop, crop]`.
        case images([Float])
        case tokens(TokenBatch)
    }

    let epoch: Int
    let count: Int
    let input: Input
    let targets: Targets

    /// One forward and backward pass of `training` over the batch; the mean loss.
    func train(_ training: TrainingPlan) throws -> Double {
        switch input {
        case .features(let features, let mask): try training.step(features: features, count: count, attentionMask: mask, targets: targets)
        case .images(let images): try training.step(images: images, count: count, targets: targets)
        case .tokens(let tokens): try training.step(tokens: tokens, targets: targets)
        }
    }
}

/// Makes a phase's `StepBatch`es from the step alone, so they can be made ahead on a worker
/// thread (`BatchPrefetcher`): the sampler's examples, from cached features, or decoded,
/// augmented (seeded per example and epoch) and mixed (seeded per step).
struct StepBatches: Sendable {
    let train: LabelledExamples
    let sampler: EpochSampler
    let cached: CachedFeatures?
    let encoder: ExampleEncoder
    let augmentation: ImageAugmentation
    let mixup: Mixup?
    let kind: TaskProfile.Kind
    /// Outputs of the head.
    let width: Int

    func batch(at step: Int) throws -> StepBatch {
        let (epoch, indices) = sampler.batch(at: step)
        let examples = indices.map { train.examples[$0] }
        let targets = Self.targets(examples, kind: kind, width: width)
        if let cached {
            let (features, mask) = cached.batch(indices)
            return StepBatch(epoch: epoch, count: indices.count, input: .features(features, attentionMask: mask), targets: targets)
        }
        let input = try encoder.encode(examples, augmentation: augmentation, seeds: indices.map { sampler.augmentationSeed(epoch: epoch, example: $0) })
        switch input {
        case .images(let images, let count):
            guard let mixup else { return StepBatch(epoch: epoch, count: count, input: .images(images), targets: targets) }
            let draw = mixup.draw(seed: sampler.seed, step: step, count: count)
            let partners = Self.targets(draw.partner.map { examples[$0] }, kind: kind, width: width)
            return StepBatch(
                epoch: epoch, count: count, input: .images(mixup.mix(images: images, count: count, draw)),
                targets: .mixed(targets, partners, weight: draw.lambda))
        case .tokens(let tokens):
            return StepBatch(epoch: epoch, count: tokens.count, input: .tokens(tokens), targets: targets)
        }
    }

    /// The examples' targets as the loss of a `kind` head with `width` outputs takes them.
    static func targets(_ examples: [Example], kind: TaskProfile.Kind, width: Int) -> Targets {
        switch kind {
        case .singleLabel, .sentencePair:
            return .classes(examples.map { if case .label(let label) = $0.target { label } else { 0 } })
        case .multiLabel:
            var values = [Float](repeating: 0, count: examples.count * width)
            for (row, example) in examples.enumerated() {
                if case .labels(let labels) = example.target { for label in labels { values[row * width + label] = 1 } }
            }
            return .values(values)
        case .regression:
            return .values(examples.flatMap { example -> [Float] in
                if case .values(let values) = example.target { return values }
                return []
            })
        }
    }
}
