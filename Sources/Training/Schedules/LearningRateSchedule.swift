/// A learning-rate schedule as a factor of each group's peak learning rate, applied as torch's
/// `LambdaLR` applies its `lr_lambda`: the optimizer step `t` (counted from 0) runs at
/// `base_lr × factor(at: t)`, the learning rate torch's scheduler gives after `t` calls of
/// `scheduler.step()`.
public protocol LearningRateSchedule: Sendable {
    /// The factor at optimizer step `step` (0-based), computed in Double as the Python lambda
    /// computes it.
    func factor(at step: Int) -> Double
}
