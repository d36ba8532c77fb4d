import Tensors

/// Splits labelled examples into training and validation by a fraction, reproducibly for a seed
/// (`SplitMix64`). Single-label examples are split per class (stratified): each class gives
/// `round(fraction × count)` examples, at least one when it has two or more, never all of them.
/// Examples that carry groups (`Example.group`) are split by whole groups, so no group is on both
/// sides; multi-label and regression examples are split at random. Index lists come back sorted.
public enum StratifiedSplit {
    public static func indices(
        of examples: LabelledExamples, validationFraction fraction: Double, seed: UInt64
    ) -> (train: [Int], validation: [Int]) {
        precondition(fraction >= 0 && fraction < 1, "StratifiedSplit: validation fraction \(fraction) is not in [0, 1)")
        var generator = SplitMix64(seed: seed)
        var validation = [Int]()
        let all = examples.examples
        if all.contains(where: { $0.group != nil }) {
            validation = groupSplit(all, fraction: fraction, generator: &generator)
        } else if all.allSatisfy({ if case .label = $0.target { true } else { false } }) {
            var byClass = [Int: [Int]]()
            for (index, example) in all.enumerated() { if case .label(let label) = example.target { byClass[label, default: []].append(index) } }
            for label in byClass.keys.sorted() {
                let members = byClass[label]!.shuffled(using: &generator)
                validation += members.prefix(take(fraction, of: members.count))
            }
        } else {
            validation = Array(Array(all.indices).shuffled(using: &generator).prefix(take(fraction, of: all.count)))
        }
        let chosen = Set(validation)
        return (all.indices.filter { !chosen.contains($0) }, validation.sorted())
    }

    /// `count` disjoint folds covering `examples`, each a sorted index list, reproducibly for `seed`
    /// (K-fold cross-validation). Single-label examples are dealt per class, shuffled, to the folds
    /// in turn, each class starting where the last one stopped, as scikit-learn's `StratifiedKFold`
    /// balances them; examples with groups go whole groups at a time, largest first, to the fold
    /// holding fewest examples (`GroupKFold`); others are shuffled and dealt in turn.
    /// - Precondition: `count` ≥ 2.
    public static func folds(of examples: LabelledExamples, count: Int, seed: UInt64) -> [[Int]] {
        precondition(count >= 2, "StratifiedSplit: \(count) folds")
        var generator = SplitMix64(seed: seed ^ 0x464F_4C44)
        var folds = [[Int]](repeating: [], count: count)
        let all = examples.examples
        var next = 0
        func deal(_ members: [Int]) {
            for index in members {
                folds[next].append(index)
                next = (next + 1) % count
            }
        }
        if all.contains(where: { $0.group != nil }) {
            var members = [String: [Int]]()
            for (index, example) in all.enumerated() { members[example.group.map { "g:" + $0 } ?? "i:\(index)", default: []].append(index) }
            let groups = members.keys.sorted().shuffled(using: &generator).sorted { members[$0]!.count > members[$1]!.count }
            for key in groups {
                let smallest = folds.indices.min { folds[$0].count < folds[$1].count }!
                folds[smallest] += members[key]!
            }
        } else if all.allSatisfy({ if case .label = $0.target { true } else { false } }) {
            var byClass = [Int: [Int]]()
            for (index, example) in all.enumerated() { if case .label(let label) = example.target { byClass[label, default: []].append(index) } }
            for label in byClass.keys.sorted() { deal(byClass[label]!.shuffled(using: &generator)) }
        } else {
            deal(Array(all.indices).shuffled(using: &generator))
        }
        return folds.map { $0.sorted() }
    }

    /// The two splits as examples (same classes).
    public static func split(
        _ examples: LabelledExamples, validationFraction fraction: Double, seed: UInt64
    ) -> (train: LabelledExamples, validation: LabelledExamples) {
        let (train, validation) = indices(of: examples, validationFraction: fraction, seed: seed)
        return (examples.subset(train), examples.subset(validation))
    }

    /// How many of `count` go to validation: the rounded fraction, at least one of two or more, never all.
    static func take(_ fraction: Double, of count: Int) -> Int {
        guard count >= 2, fraction > 0 else { return 0 }
        return min(max(Int((fraction * Double(count)).rounded()), 1), count - 1)
    }

    /// Whole groups (an example without one is its own group), shuffled, moved to validation until
    /// it holds the fraction of the examples; at least one group, never all.
    static func groupSplit(_ examples: [Example], fraction: Double, generator: inout SplitMix64) -> [Int] {
        var members = [String: [Int]]()
        var order = [String]()
        for (index, example) in examples.enumerated() {
            let key = example.group.map { "g:" + $0 } ?? "i:\(index)"
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(index)
        }
        guard order.count >= 2, fraction > 0 else { return [] }
        let wanted = Int((fraction * Double(examples.count)).rounded())
        var validation = [Int]()
        for (taken, key) in order.sorted().shuffled(using: &generator).enumerated() where taken < order.count - 1 {
            if !validation.isEmpty && validation.count >= wanted { break }
            validation += members[key]!
        }
        return validation
    }
}
