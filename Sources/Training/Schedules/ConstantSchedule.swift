/// transformers' `get_constant_schedule_with_warmup`: the warm-up, then 1.
public struct ConstantSchedule: LearningRateSchedule, Equatable {
    public let warmup: LinearWarmup

    public init(warmupSteps: Int) { warmup = LinearWarmup(steps: warmupSteps) }

    public func factor(at step: Int) -> Double { warmup.factor(at: step) ?? 1 }
}
