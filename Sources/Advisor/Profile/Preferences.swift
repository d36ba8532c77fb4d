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
            throw ProfileError("model", "'\(model)' is not a registry model\(Self.suggestion(for: model, among: models.map(\.name)))")
        }
        let families = Set(models.map(\.family))
        for family in excludedFamilies where !families.contains(family) {
            throw ProfileError("exclude", "'\(family)' is not a model family\(Self.suggestion(for: family, among: families.sorted()))")
        }
        if let model, let family = models.first(where: { $0.name == model })?.family, excludedFamilies.contains(family) {
            throw ProfileError("model", "'\(model)' is in the excluded family '\(family)'")
        }
    }

    /// "; did you mean …?" with the up-to-three names nearest by edit distance, or nothing when
    /// none is near.
    static func suggestion(for name: String, among names: [String]) -> String {
        let scored = names.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
        let near = scored.filter { $0.1 <= max(2, name.count / 3) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3)
        return near.isEmpty ? "" : "; did you mean " + near.map(\.0).joined(separator: ", ") + "?"
    }

    /// Levenshtein distance between two strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
