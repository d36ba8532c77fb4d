import Architectures

/// What the user prefers among feasible plans: a model they ask for, families to leave out, and
/// whether to maximise accuracy or take the cheapest plan that is good enough.
public struct Preferences: Codable, Equatable, Sendable {
    public enum Objective: String, Codable, Sendable, CaseIterable {
        case maximiseAccuracy = "accuracy"
        case cheapestGoodEnough = "cheapest"
    }

    /// A registry model name.
    public var model: String?
    /// Registry family names.
    public var excludedFamilies: [String]
    public var objective: Objective

    public init(model: String? = nil, excludedFamilies: [String] = [], objective: Objective = .maximiseAccuracy) {
        self.model = model
        self.excludedFamilies = excludedFamilies
        self.objective = objective
    }

    /// Checks the names against the registry; an unknown name's error suggests the closest ones.
    public func validate(models: [RegisteredModel] = Registry.models) throws(ProfileError) {
        if let model, !models.contains(where: { $0.name == model }) {
            throw ProfileError("model", "'\(model)' is not a registry model\(ClosestNames.suggestion(for: model, among: models.map(\.name)))")
        }
        let families = Set(models.map(\.family))
        for family in excludedFamilies where !families.contains(family) {
            throw ProfileError("exclude", "'\(family)' is not a model family\(ClosestNames.suggestion(for: family, among: families.sorted()))")
        }
        if let model, let family = models.first(where: { $0.name == model })?.family, excludedFamilies.contains(family) {
            throw ProfileError("model", "'\(model)' is in the excluded family '\(family)'")
        }
    }
}
