import Architectures

/// Everything a trainer or exporter needs to run a fine-tune without asking again (base model,
/// checkpoint, preprocessing, head, freeze depth, optimizer, schedule, regularisation, seeds),
/// plus why (reasons with their evidence), what else was considered (alternatives), what it should
/// cost and give (estimates), and the request it answers. Stored as `plan.json`, schema
/// `zoo.plan/1`, documented field by field in docs/plan-schema.md.
public struct FineTunePlan: Codable, Equatable, Sendable {
    /// The schema this version of zoo writes and reads.
    public static let currentSchema = "zoo.plan/1"

    /// Always `currentSchema` when written by this zoo.
    public var schema: String = Self.currentSchema
    public var model: BaseModel
    public var preprocessing: InputPreprocessing
    public var head: Head
    public var freeze: Freeze
    /// A head-only phase before the main run (LP-FT), when robustness to distribution shift matters.
    public var linearProbe: LinearProbe?
    public var optimizer: OptimizerSettings
    public var schedule: Schedule
    /// Examples per optimizer step.
    public var batchSize: Int
    public var regularisation: Regularisation
    public var earlyStopping: EarlyStopping?
    /// One training run per seed; several where fine-tuning is known to be unstable.
    public var seeds: [UInt64]
    /// Whether to compute the frozen prefix's features once and train the rest on the cache.
    public var cacheFeatures: Bool
    public var reasons: [Reason]
    public var alternatives: [Alternative]
    public var estimates: Estimates
    public var warnings: [String]
    public var profile: TaskProfile
    public var budget: ComputeBudget
    public var preferences: Preferences

    public init(
        model: BaseModel, preprocessing: InputPreprocessing, head: Head, freeze: Freeze, linearProbe: LinearProbe?, optimizer: OptimizerSettings,
        schedule: Schedule, batchSize: Int, regularisation: Regularisation, earlyStopping: EarlyStopping?, seeds: [UInt64], cacheFeatures: Bool,
        reasons: [Reason], alternatives: [Alternative], estimates: Estimates, warnings: [String], profile: TaskProfile, budget: ComputeBudget,
        preferences: Preferences
    ) {
        (self.model, self.preprocessing, self.head, self.freeze, self.linearProbe) = (model, preprocessing, head, freeze, linearProbe)
        (self.optimizer, self.schedule, self.batchSize, self.regularisation) = (optimizer, schedule, batchSize, regularisation)
        (self.earlyStopping, self.seeds, self.cacheFeatures, self.reasons, self.alternatives) = (earlyStopping, seeds, cacheFeatures, reasons, alternatives)
        (self.estimates, self.warnings, self.profile, self.budget, self.preferences) = (estimates, warnings, profile, budget, preferences)
    }

    /// Checks what a trainer relies on: the model is in the registry, the freeze groups split its
    /// groups (with the task's head) between frozen and trained, the head matches the task, the numbers are in range.
    public func validate(models: [RegisteredModel] = Registry.models) throws(ProfileError) {
        guard schema == Self.currentSchema else { throw ProfileError("schema", "'\(schema)' is not \(Self.currentSchema)") }
        guard let registered = models.first(where: { $0.name == model.name }) else {
            throw ProfileError("model.name", "'\(model.name)' is not a registry model\(ClosestNames.suggestion(for: model.name, among: models.map(\.name)))")
        }
        guard registered.family == model.family else {
            throw ProfileError("model.family", "'\(model.name)' is in family '\(registered.family)', not '\(model.family)'")
        }
        try freeze.validate(groups: registered.build(head.classes).freezeGroups, model: model.name)
        if let linearProbe {
            guard linearProbe.steps >= 1, linearProbe.learningRate > 0 else {
                throw ProfileError("linear_probe", "needs at least 1 step and a positive learning rate")
            }
        }
        guard head.classes == profile.classes, head.kind == profile.kind else {
            throw ProfileError("head", "a \(head.kind.rawValue) head with \(head.classes) outputs does not fit the profile's \(profile.kind.rawValue) task with \(profile.classes)")
        }
        try preprocessing.validate()
        guard batchSize >= 1 else { throw ProfileError("batch_size", "must be at least 1, got \(batchSize)") }
        guard !seeds.isEmpty else { throw ProfileError("seeds", "at least one seed is needed") }
        try optimizer.validate()
        try schedule.validate()
        try profile.validate()
        try preferences.validate(models: models)
    }
}
