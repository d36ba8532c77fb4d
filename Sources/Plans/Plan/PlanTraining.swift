import Architectures

extension FineTunePlan {
    /// What to freeze, in the model's named freeze groups (`ModelGraph.freezeGroups` of the model
    /// built with the task's head): usually a prefix from the input; for surgical fine-tuning
    /// (Lee et al., ICLR 2023) early groups train while later ones stay frozen, passing the
    /// gradient down. The new head always trains. Frozen batch-norm layers run in inference mode.
    public struct Freeze: Codable, Equatable, Sendable {
        /// In order from the input.
        public var frozen: [FreezeGroup]
        /// In order from the input.
        public var trainable: [FreezeGroup]

        /// The first `depth` groups of `graph` frozen.
        public init(_ graph: ModelGraph, depth: Int) {
            self.init(graph, frozen: Array(graph.freezeGroups.prefix(depth)))
        }

        /// `frozen` groups of `graph` frozen, the rest trained.
        public init(_ graph: ModelGraph, frozen: [FreezeGroup]) {
            let frozenSet = Set(frozen)
            self.frozen = graph.freezeGroups.filter(frozenSet.contains)
            trainable = graph.freezeGroups.filter { !frozenSet.contains($0) }
        }

        /// Checks that `frozen` and `trainable` split `groups` (in order) between them, with the head trained.
        func validate(groups: [FreezeGroup], model: String) throws(ProfileError) {
            let frozenSet = Set(frozen), trainableSet = Set(trainable)
            guard groups.filter(frozenSet.contains) == frozen, groups.filter(trainableSet.contains) == trainable,
                  frozen.count + trainable.count == groups.count, frozenSet.isDisjoint(with: trainableSet) else {
                throw ProfileError("freeze", "frozen and trainable must split \(model)'s groups between them, each in order from the input: \(groups.map(\.description).joined(separator: ", "))")
            }
            guard trainableSet.contains(.head) else { throw ProfileError("freeze.trainable", "the new head must train") }
        }
    }

    /// A first phase that trains the new head alone on the frozen backbone's features (computed
    /// once and cached) before the main run fine-tunes from it: LP-FT (Kumar et al., ICLR 2022).
    public struct LinearProbe: Codable, Equatable, Sendable {
        public var learningRate: Double
        public var steps: Int
        /// Passes over the training data that `steps` make at the plan's batch size.
        public var epochs: Double

        public init(learningRate: Double, steps: Int, epochs: Double) {
            (self.learningRate, self.steps, self.epochs) = (learningRate, steps, epochs)
        }
    }

    public struct OptimizerSettings: Codable, Equatable, Sendable {
        public var kind: FreezePlan.Optimizer
        public var headLearningRate: Double
        /// For the trainable group just below the head; lower groups get it times
        /// `layerDecay` per group further down.
        public var backboneLearningRate: Double
        /// Per-group learning-rate factor going down from the head (1 or absent: none).
        public var layerDecay: Double?
        public var weightDecay: Double
        /// SGD's momentum.
        public var momentum: Double?
        /// AdamW's β₁, β₂.
        public var betas: [Double]?

        public init(kind: FreezePlan.Optimizer, headLearningRate: Double, backboneLearningRate: Double, layerDecay: Double?,
                    weightDecay: Double, momentum: Double?, betas: [Double]?) {
            (self.kind, self.headLearningRate, self.backboneLearningRate, self.layerDecay) = (kind, headLearningRate, backboneLearningRate, layerDecay)
            (self.weightDecay, self.momentum, self.betas) = (weightDecay, momentum, betas)
        }

        func validate() throws(ProfileError) {
            guard headLearningRate > 0, backboneLearningRate >= 0 else { throw ProfileError("optimizer", "learning rates must be positive") }
            if let layerDecay, !(layerDecay > 0 && layerDecay <= 1) { throw ProfileError("optimizer.layer_decay", "must be in (0, 1], got \(layerDecay)") }
            switch kind {
            case .sgdMomentum:
                guard momentum != nil else { throw ProfileError("optimizer.momentum", "SGD needs a momentum") }
            case .adamW:
                guard let betas, betas.count == 2, betas.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
                    throw ProfileError("optimizer.betas", "AdamW needs two betas in [0, 1)")
                }
            }
        }
    }

    /// The learning-rate schedule over `steps` optimizer steps.
    public struct Schedule: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case constant, cosine, linear
            /// Divide by 10 at each milestone (BiT-HyperRule).
            case step
            /// ULMFiT's short linear rise and long linear decay.
            case slantedTriangular = "slanted-triangular"
        }

        public var kind: Kind
        /// Steps of linear warm-up from 0, counted within `steps`.
        public var warmupSteps: Int
        public var steps: Int
        /// Passes over the training data that `steps` make at `batch_size`.
        public var epochs: Double
        /// The steps at which a `step` schedule divides the learning rate by 10.
        public var milestones: [Int]?

        public init(kind: Kind, warmupSteps: Int, steps: Int, epochs: Double, milestones: [Int]? = nil) {
            (self.kind, self.warmupSteps, self.steps, self.epochs, self.milestones) = (kind, warmupSteps, steps, epochs, milestones)
        }

        func validate() throws(ProfileError) {
            guard steps >= 1 else { throw ProfileError("schedule.steps", "must be at least 1, got \(steps)") }
            guard (0...steps).contains(warmupSteps) else { throw ProfileError("schedule.warmup_steps", "must be within 0...\(steps), got \(warmupSteps)") }
            if kind == .step, milestones?.isEmpty ?? true { throw ProfileError("schedule.milestones", "a step schedule needs milestones") }
        }
    }

    public struct Regularisation: Codable, Equatable, Sendable {
        public var labelSmoothing: Double
        /// Mixup's α (0: off).
        public var mixup: Double
        /// Augmentations in order, by name: random-resized-crop, horizontal-flip, …
        public var augmentation: [String]

        public init(labelSmoothing: Double, mixup: Double, augmentation: [String]) {
            (self.labelSmoothing, self.mixup, self.augmentation) = (labelSmoothing, mixup, augmentation)
        }
    }

    /// Stop when the validation metric has not improved by `minDelta` for `patience` evaluations.
    public struct EarlyStopping: Codable, Equatable, Sendable {
        public var metric: String
        public var patience: Int
        public var minDelta: Double
        public var evaluateEverySteps: Int

        public init(metric: String, patience: Int, minDelta: Double, evaluateEverySteps: Int) {
            (self.metric, self.patience, self.minDelta, self.evaluateEverySteps) = (metric, patience, minDelta, evaluateEverySteps)
        }
    }
}
