/// An optimizer over parameter groups, computing what torch.optim's single-tensor code path
/// (`foreach=False`, the one PyTorch takes on the CPU) computes, operation for operation in float32.
public protocol Optimizer: AnyObject {
    /// The groups, each with its peak learning rate and weight decay (torch's `param_groups`).
    var groups: [ParameterGroup] { get }

    /// Updates every trainable parameter of every group from its gradient, group `g` at the learning
    /// rate `g.scheduledLearningRate(factor: learningRateFactor)`: one `optimizer.step()` after the
    /// schedule has set each group's `lr` to `base_lr × factor`.
    func step(learningRateFactor: Double)
}
