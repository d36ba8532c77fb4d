/// The names nearest to one a user mistyped, by edit distance: what every "did you mean …?" in
/// zoo offers (registry models, families, task fields and flags).
public enum ClosestNames {
    /// The names within edit distance max(2, a third of `name`'s length) of `name`, nearest first
    /// (ties alphabetical), compared as `key` writes them (lower-cased by default).
    public static func nearest(to name: String, among names: [String], limit: Int = 3,
                               key: (String) -> String = { $0.lowercased() }) -> [String] {
        let wanted = key(name)
        let scored = names.map { (name: $0, distance: editDistance(wanted, key($0))) }
        let near = scored.filter { $0.distance <= max(2, name.count / 3) }.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }
        return near.prefix(limit).map(\.name)
    }

    /// "; did you mean …?" with the up-to-three nearest names, or nothing when none is near.
    public static func suggestion(for name: String, among names: [String]) -> String {
        phrase(nearest(to: name, among: names))
    }

    /// "; did you mean a, b?" for `names`, or nothing when there are none.
    public static func phrase(_ names: [String]) -> String {
        names.isEmpty ? "" : "; did you mean " + names.joined(separator: ", ") + "?"
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
