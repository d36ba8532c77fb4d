import Plans
import Training
/// Everything the advisor is asked with: the validated task profile, compute budget and preferences.
public struct AdviceRequest: Codable, Equatable, Sendable {
    public var profile: TaskProfile
    public var budget: ComputeBudget
    public var preferences: Preferences

    public init(profile: TaskProfile, budget: ComputeBudget, preferences: Preferences) {
        self.profile = profile
        self.budget = budget
        self.preferences = preferences
    }
}

extension TaskDraft {
    /// The fields a request cannot do without: a dataset stands in for modality, classes and examples.
    public var missing: [DraftField] {
        let counted: [DraftField] = [.modality, .classes, .examples]
        return ([.modality, .classes, .examples, .budget] as [DraftField]).filter { field in
            self[field] == nil && !(counted.contains(field) && self[.dataset] != nil)
        }
    }

    /// The validated request. Counts a dataset when one is given (and refuses counts that disagree
    /// with it); defaults: single-label, shift unknown, no robustness requirement, maximise accuracy.
    public func resolve() throws(ProfileError) -> AdviceRequest {
        if let field = missing.first {
            throw ProfileError(field.rawValue, "missing: give \(field.flag) or '\(field.rawValue):' in the task file (\(field.expected)), or answer it with --interactive")
        }
        var modality = self[.modality].flatMap(TaskProfile.Modality.init(rawValue:))
        var classes = self[.classes].flatMap { Int($0) }
        var examples = self[.examples].flatMap { Int($0) }
        var perClass = self[.examplesPerClass].map { $0.split(separator: ",").map { Int($0)! } }
        var classNames: [String]?
        if let path = self[.dataset] {
            let dataset: LabelledDataset
            let kind = self[.task].flatMap(TaskProfile.Kind.init(rawValue:)) ?? .singleLabel
            do { dataset = try LabelledDataset(path: path, options: DataOptions(kind: kind)) } catch {
                throw ProfileError("dataset", error.description, isBadInput: true)
            }
            let counted: TaskProfile.Modality = dataset.kind == .images ? .image : .text
            try agree("modality", modality?.rawValue, counted.rawValue, path)
            try agree("classes", classes, dataset.classes.count, path)
            try agree("examples", examples, dataset.total, path)
            try agree("examples_per_class", perClass, dataset.counts, path)
            (modality, classes, examples, perClass, classNames) = (counted, dataset.classes.count, dataset.total, dataset.counts, dataset.classes)
        }
        let profile = TaskProfile(
            modality: modality!, kind: self[.task].flatMap(TaskProfile.Kind.init(rawValue:)) ?? .singleLabel,
            classes: classes!, examples: examples!, examplesPerClass: perClass, classNames: classNames, dataset: self[.dataset],
            shift: self[.shift].flatMap(DomainShift.init) ?? .unknown, robustness: self[.robustness] == "yes",
            deployment: .init(maxLatencyMs: self[.maxLatencyMs].flatMap { Double($0) }, maxParameters: self[.maxParameters].flatMap { Int($0) },
                              cpuOnly: self[.cpuOnly] == "yes"))
        try profile.validate()
        let budget = try ComputeBudget(parsing: self[.budget]!, memory: self[.memory])
        let preferences = Preferences(
            model: self[.model], excludedFamilies: self[.exclude]?.split(separator: ",").map(String.init) ?? [],
            objective: self[.objective].flatMap(Preferences.Objective.init(rawValue:)) ?? .maximiseAccuracy)
        try preferences.validate()
        return AdviceRequest(profile: profile, budget: budget, preferences: preferences)
    }

    /// Throws when a value was given and differs from what the dataset holds.
    private func agree<Value: Equatable>(_ field: String, _ given: Value?, _ counted: Value, _ path: String) throws(ProfileError) {
        if let given, given != counted {
            throw ProfileError(field, "given as \(given), but the dataset at \(path) has \(counted)")
        }
    }
}
