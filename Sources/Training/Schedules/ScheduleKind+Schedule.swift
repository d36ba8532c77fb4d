import Plans

extension FineTunePlan.Schedule.Kind {
    /// The schedule of this kind over `steps` optimizer steps, `warmupSteps` of them warming up (the
    /// cut of a slanted-triangular schedule); `milestones` are read by `step` alone (none: constant
    /// after the warm-up, as `MultiStepLR` with no milestones).
    public func schedule(warmupSteps: Int, steps: Int, milestones: [Int] = []) -> any LearningRateSchedule {
        switch self {
        case .constant: ConstantSchedule(warmupSteps: warmupSteps)
        case .cosine: CosineSchedule(warmupSteps: warmupSteps, steps: steps)
        case .linear: LinearSchedule(warmupSteps: warmupSteps, steps: steps)
        case .step: StepSchedule(warmupSteps: warmupSteps, milestones: milestones)
        case .slantedTriangular: SlantedTriangularSchedule(warmupSteps: warmupSteps, steps: steps)
        }
    }
}
