/// How the examples spread over the classes, and the class weights that even them out.
public struct ClassBalance: Sendable, Equatable {
    public let classes: [String]
    /// Examples of each class (multi-label: examples that have it; regression: every example, per target).
    public let counts: [Int]
    /// Examples in all.
    public let examples: Int

    public init(_ labelled: LabelledExamples) {
        var counts = [Int](repeating: 0, count: labelled.classes.count)
        for example in labelled.examples {
            switch example.target {
            case .label(let label): counts[label] += 1
            case .labels(let labels): for label in labels { counts[label] += 1 }
            case .values: for index in counts.indices { counts[index] += 1 }
            }
        }
        (classes, self.counts, examples) = (labelled.classes, counts, labelled.count)
    }

    /// The smallest class's count over the largest's (1: balanced; 0: a class has no examples).
    public var minimumToMaximumRatio: Double {
        guard let largest = counts.max(), largest > 0 else { return 0 }
        return Double(counts.min()!) / Double(largest)
    }

    /// `class_weights: auto`: scikit-learn's `compute_class_weight("balanced")`,
    /// `examples / (classes × count)` per class. A class without examples (where scikit-learn
    /// refuses) gets 0: it adds nothing to the loss either way.
    public var balancedWeights: [Double] {
        counts.map { $0 == 0 ? 0 : Double(examples) / Double(classes.count * $0) }
    }

    /// Weights from a `{class: weight}` mapping, in `classes` order: every name must be a class and
    /// every weight a positive finite number; classes it leaves out get 1.
    public static func weights(_ mapping: [String: Double], classes: [String]) throws(DataError) -> [Double] {
        for name in mapping.keys.sorted() {
            guard classes.contains(name) else {
                throw .unsuitable("class_weights", reason: "'\(name)' is not a class (the classes are \(classes.joined(separator: ", ")))")
            }
            guard let weight = mapping[name], weight.isFinite, weight > 0 else {
                throw .unsuitable("class_weights", reason: "the weight of '\(name)' is \(mapping[name]!), not a positive number")
            }
        }
        return classes.map { mapping[$0] ?? 1 }
    }
}
