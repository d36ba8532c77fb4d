/// An optimizer over parameter groups, computing what torch.optim's single-tensor code path
/// (`foreach=False`, the one PyTorch takes on the CPU) computes, operation for operation in float32.
public protocol Optimizer: AnyObject {
    /// The groups, each with its peak learning rate and weight decay (torch's `param_groups`).
    var groups: [ParameterGroup] { get }

    /// Updates every trainable parameter of every group from its gradient, group `g` at the learning
    /// rate `g.scheduledLearningRate(factor: learningRateFactor)`: one `optimizer.step()` after the
    /// schedule has set each group's `lr` to `base_lr × factor`.
    func step(learningRateFactor: Double)

    /// The state as named float arrays (`<parameter>/<slot>`, torch's state-dict slot names), for a checkpoint.
    func stateTensors() -> [(name: String, values: [Float])]

    /// Restores what `stateTensors()` gave; throws on a slot it does not know or a wrong size.
    func restoreState(_ tensors: [String: [Float]]) throws
}

/// Why an optimizer's saved state cannot be restored.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let name: String
    public let reason: String
    public var description: String { "optimizer state \(name): \(reason)" }
}

extension Optimizer {
    /// The parameter of `slot`'s name (`<parameter>/<slot>`), with its count; throws when unknown.
    func parameter(of name: String, slot: String) throws -> (parameter: String, count: Int) {
        let parameter = String(name.dropLast(slot.count + 1))
        guard let owner = groups.lazy.flatMap(\.parameters).first(where: { $0.name == parameter }) else {
            throw OptimizerStateError(name: name, reason: "no trained parameter of that name")
        }
        return (parameter, owner.count)
    }
}
