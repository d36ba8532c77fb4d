/// The linear warm-up from 0 that transformers' `get_*_schedule_with_warmup` put before their
/// schedules: `t / max(1, steps)` for `t < steps`. The warm-up steps count within the schedule's
/// steps.
public struct LinearWarmup: Sendable, Equatable {
    public let steps: Int

    public init(steps: Int) { self.steps = steps }

    /// The warm-up's factor at step `t`, nil once the warm-up is over.
    public func factor(at t: Int) -> Double? {
        t < steps ? Double(t) / Double(max(1, steps)) : nil
    }
}
