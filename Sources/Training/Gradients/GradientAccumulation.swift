/// One optimizer step's examples split into micro-batches whose gradients add up to the gradient of
/// the whole batch's mean loss: a micro-batch of `n` of the step's `N` examples contributes the
/// gradient of its own mean loss times `n / N`, so an uneven last micro-batch weighs what its
/// examples weigh (averaging the micro-batches' gradients would over-weight it).
///
/// A training step multiplies its micro-batch's mean loss by `lossScale(examples:)` before the
/// backward pass (`(loss * (n / N)).backward()` in PyTorch), and the gradients accumulate (+=)
/// from `ParameterStore.zeroGradients()` to the optimizer step.
public struct GradientAccumulation: Sendable, Equatable {
    /// `N`: the examples of the optimizer step.
    public let examples: Int
    /// The most examples one forward and backward pass takes.
    public let microBatchSize: Int

    public init(examples: Int, microBatchSize: Int) {
        precondition(examples > 0 && microBatchSize > 0, "a step of \(examples) examples in micro-batches of \(microBatchSize)")
        (self.examples, self.microBatchSize) = (examples, microBatchSize)
    }

    /// Each micro-batch's positions within the step's examples, in order; all of `microBatchSize`
    /// but the last, which takes the rest.
    public var microBatches: [Range<Int>] {
        stride(from: 0, to: examples, by: microBatchSize).map { $0..<min($0 + microBatchSize, examples) }
    }

    /// What the mean loss of a micro-batch of `count` examples is multiplied by: `count / N`,
    /// rounded to Float as torch rounds the Python float it multiplies a float32 loss by.
    public func lossScale(examples count: Int) -> Float { Float(Double(count) / Double(examples)) }
}
