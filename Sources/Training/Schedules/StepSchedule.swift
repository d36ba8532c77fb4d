import Foundation

/// Division by 10 at each milestone, with torch's `MultiStepLR` semantics (`gamma=0.1`): from step
/// `m` on (after `m` calls of `scheduler.step()`) the factor is divided by 10 once more for each
/// milestone `m`. Milestones count absolute optimizer steps from the start of the run, warm-up
/// included (not from the end of the warm-up, as a `SequentialLR` would count them). As a LambdaLR:
/// `(t < w ? t / max(1, w) : 1) · 0.1^k`, with `k` the milestones ≤ `t` (`bisect_right`).
public struct StepSchedule: LearningRateSchedule, Equatable {
    public let warmup: LinearWarmup
    public let milestones: [Int]

    public init(warmupSteps: Int, milestones: [Int]) { (warmup, self.milestones) = (LinearWarmup(steps: warmupSteps), milestones) }

    public func factor(at step: Int) -> Double {
        let passed = milestones.filter { $0 <= step }.count
        return (warmup.factor(at: step) ?? 1) * pow(0.1, Double(passed))
    }
}
