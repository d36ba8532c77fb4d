/// What one fine-tuning configuration costs on one device class: seconds per step (with and
/// without the frozen prefix's features cached), peak memory per device, and totals for a run.
/// Every figure is an estimate good to within `uncertaintyFactor` (true value between
/// estimate ÷ factor and estimate × factor).
public struct CostEstimate: Sendable, Equatable {
    /// Samples per step (the whole batch, across every device).
    public let batch: Int
    /// Forward pass of a step through every layer.
    public let forwardSeconds: Double
    /// The part of `forwardSeconds` spent in the frozen prefix (what caching computes once per example).
    public let prefixForwardSeconds: Double
    /// Backward pass of a step: weight gradients of trainable layers, input gradients above the
    /// lowest trainable layer; nothing for the frozen prefix.
    public let backwardSeconds: Double
    /// The optimizer's update of the trainable parameters, once per step.
    public let optimizerSeconds: Double
    /// Bytes per device: weights, gradients, optimizer state, stored activations (FreezePlan's).
    public let memory: (weights: Int, gradients: Int, optimizer: Int, activations: Int)
    /// One device's memory, for `fitsInMemory`.
    public let deviceMemoryBytes: Int
    public let uncertaintyFactor: Double

    /// Forward pass of a step through the trainable suffix only (the prefix's features cached).
    public var suffixForwardSeconds: Double { forwardSeconds - prefixForwardSeconds }
    /// A training step recomputing every layer.
    public var stepSeconds: Double { forwardSeconds + backwardSeconds + optimizerSeconds }
    /// A training step reading the frozen prefix's cached features.
    public var cachedStepSeconds: Double { suffixForwardSeconds + backwardSeconds + optimizerSeconds }
    public var peakBytes: Int { memory.weights + memory.gradients + memory.optimizer + memory.activations }
    public var fitsInMemory: Bool { peakBytes <= deviceMemoryBytes }

    /// Seconds for `steps` training steps over `examples`: every step recomputing the prefix, or
    /// with `cachingFeatures` one prefix pass over the examples, then suffix-only steps
    /// (N·F_prefix once + steps·(F_suffix + B), evidence §4). Caching is valid only without
    /// augmentation: augmented inputs change each epoch and cannot be cached.
    public func trainingSeconds(steps: Int, examples: Int, cachingFeatures: Bool) -> Double {
        guard cachingFeatures else { return Double(steps) * stepSeconds }
        return Double((examples + batch - 1) / batch) * prefixForwardSeconds + Double(steps) * cachedStepSeconds
    }

    public static func == (lhs: CostEstimate, rhs: CostEstimate) -> Bool {
        lhs.batch == rhs.batch && lhs.forwardSeconds == rhs.forwardSeconds && lhs.prefixForwardSeconds == rhs.prefixForwardSeconds
            && lhs.backwardSeconds == rhs.backwardSeconds && lhs.optimizerSeconds == rhs.optimizerSeconds
            && lhs.memory == rhs.memory && lhs.deviceMemoryBytes == rhs.deviceMemoryBytes && lhs.uncertaintyFactor == rhs.uncertaintyFactor
    }
}
