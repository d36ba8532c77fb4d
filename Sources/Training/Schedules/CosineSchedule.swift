import Foundation

/// transformers' `get_cosine_schedule_with_warmup` (half a cycle): the warm-up `w`, then
/// `max(0, ½·(1 + cos(π · 0.5 · 2 · progress)))` with `progress = (t − w) / max(1, T − w)`, which
/// falls to 0 at step `T`.
public struct CosineSchedule: LearningRateSchedule, Equatable {
    public let warmup: LinearWarmup
    public let steps: Int

    public init(warmupSteps: Int, steps: Int) { (warmup, self.steps) = (LinearWarmup(steps: warmupSteps), steps) }

    public func factor(at step: Int) -> Double {
        if let rising = warmup.factor(at: step) { return rising }
        let progress = Double(step - warmup.steps) / Double(max(1, steps - warmup.steps))
        // transformers' num_cycles = 0.5, multiplied in its order.
        return max(0, 0.5 * (1 + cos(Double.pi * 0.5 * 2 * progress)))
    }
}
