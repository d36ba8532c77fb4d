import ModelZoo

/// A model's freeze groups drawn as one bar, each group as wide as its share of the parameters
/// (at least one cell): frozen groups full (█), trained ones light (░), with a legend naming them.
struct FreezeBar {
    let graph: ModelGraph
    let frozen: Set<FreezeGroup>
    var width = 60

    var lines: [String] {
        let groups = graph.freezeGroups
        var sizes = [FreezeGroup: Int]()
        for parameter in graph.parameters where !parameter.spec.isBuffer { sizes[parameter.group, default: 0] += parameter.spec.elementCount }
        let total = max(1, sizes.values.reduce(0, +))
        let spare = width - groups.count
        let bar = groups.map { group in
            let cells = 1 + Int((Double(sizes[group] ?? 0) / Double(total) * Double(spare)).rounded())
            return String(repeating: frozen.contains(group) ? "█" : "░", count: cells)
        }.joined(separator: "│")
        let legend = groups.map { "\($0)\(frozen.contains($0) ? " (frozen)" : "") \(Quantities.text(count: sizes[$0] ?? 0))" }
        return ["  " + bar + "   █ frozen  ░ trained", "  " + legend.joined(separator: " · ")]
    }
}
