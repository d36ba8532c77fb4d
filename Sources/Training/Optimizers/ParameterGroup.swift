import Engine

/// Parameters that share a peak learning rate and a weight decay: one entry of torch.optim's
/// `param_groups`, whose `lr` the schedule sets at every step to `learningRate × factor`.
public struct ParameterGroup: Sendable {
    /// A name for reports and checkpoints (`LayerwiseLearningRates` uses the freeze group's name,
    /// with `/no_decay` for the tensors it exempts from weight decay).
    public let name: String
    public let parameters: [Parameter]
    /// The peak learning rate: LambdaLR's `base_lr`.
    public let learningRate: Double
    /// L2 (SGD, added to the gradient) or decoupled (AdamW) weight decay.
    public let weightDecay: Double

    public init(name: String, parameters: [Parameter], learningRate: Double, weightDecay: Double) {
        (self.name, self.parameters, self.learningRate, self.weightDecay) = (name, parameters, learningRate, weightDecay)
    }

    /// The learning rate at a step whose schedule factor is `factor`, as LambdaLR computes it
    /// (`base_lr * lr_lambda(step)`, in Double).
    public func scheduledLearningRate(factor: Double) -> Double { learningRate * factor }
}
