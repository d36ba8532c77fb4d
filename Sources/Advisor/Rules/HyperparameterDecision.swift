import Plans
/// The optimizer, schedule and training-run settings for a freeze decision, with the reasons:
/// the parts of a `FineTunePlan` that say how to train.
public struct HyperparameterDecision: Equatable, Sendable {
    public var optimizer: FineTunePlan.OptimizerSettings
    public var schedule: FineTunePlan.Schedule
    public var batchSize: Int
    public var regularisation: FineTunePlan.Regularisation
    public var earlyStopping: FineTunePlan.EarlyStopping?
    public var seeds: [UInt64]
    public var reasons: [FineTunePlan.Reason]
}
