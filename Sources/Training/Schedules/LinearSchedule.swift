/// transformers' `get_linear_schedule_with_warmup`: the warm-up `w`, then a linear decay to 0 at
/// step `T`: `max(0, (T − t) / max(1, T − w))`.
public struct LinearSchedule: LearningRateSchedule, Equatable {
    public let warmup: LinearWarmup
    public let steps: Int

    public init(warmupSteps: Int, steps: Int) { (warmup, self.steps) = (LinearWarmup(steps: warmupSteps), steps) }

    public func factor(at step: Int) -> Double {
        if let rising = warmup.factor(at: step) { return rising }
        return max(0, Double(steps - step) / Double(max(1, steps - warmup.steps)))
    }
}
