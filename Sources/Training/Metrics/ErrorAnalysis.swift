/// Where a model goes wrong on an evaluation set: the class pairs it confuses most (off the
/// confusion matrix's diagonal) and the examples with the highest loss, named by their origin
/// (file, file:line), with what they are and what the model said.
public struct ErrorAnalysis: Codable, Equatable, Sendable {
    public struct ConfusedPair: Codable, Equatable, Sendable {
        public var actual: String
        public var predicted: String
        public var count: Int
    }

    public struct ExampleError: Codable, Equatable, Sendable {
        public var origin: String
        public var actual: String
        public var predicted: String
        public var loss: Double
    }

    public var confusedPairs: [ConfusedPair]
    public var worstExamples: [ExampleError]

    /// The `limit` most-confused pairs and worst examples of `outputs` (`[count, names.count]`).
    public init(outputs: [Float], examples: [Example], metrics: EvaluationMetrics, names: [String], limit: Int = 10) {
        var pairs: [ConfusedPair] = []
        for (actual, row) in (metrics.confusion ?? []).enumerated() {
            for (predicted, count) in row.enumerated() where predicted != actual && count > 0 {
                pairs.append(ConfusedPair(actual: names[actual], predicted: names[predicted], count: count))
            }
        }
        confusedPairs = Array(pairs.sorted { ($0.count, $1.actual, $1.predicted) > ($1.count, $0.actual, $0.predicted) }.prefix(limit))
        let width = names.count
        let losses = PerExampleLoss.losses(outputs: outputs, targets: examples.map(\.target), width: width)
        let worst = losses.indices.sorted { (losses[$0], $1) > (losses[$1], $0) }.prefix(limit)
        worstExamples = worst.map { index in
            let row = Array(outputs[index * width..<(index + 1) * width])
            return ExampleError(
                origin: examples[index].origin, actual: Self.describe(examples[index].target, names),
                predicted: Self.describe(prediction: row, as: examples[index].target, names), loss: losses[index])
        }
    }

    static func describe(_ target: ExampleTarget, _ names: [String]) -> String {
        switch target {
        case .label(let label): names[label]
        case .labels(let labels): labels.map { names[$0] }.joined(separator: "|")
        case .values(let values): values.map { "\($0)" }.joined(separator: ", ")
        }
    }

    /// What the model said, in the target's terms: the top class (single-label), the classes whose
    /// logit is positive, i.e. probability above ½ (multi-label; `none` when there is none), or the
    /// predicted values (regression).
    static func describe(prediction row: [Float], as target: ExampleTarget, _ names: [String]) -> String {
        switch target {
        case .label:
            guard let top = row.indices.max(by: { row[$0] < row[$1] }) else { return "" }
            return names[top]
        case .labels:
            let present = row.indices.filter { row[$0] > 0 }
            return present.isEmpty ? "none" : present.map { names[$0] }.joined(separator: "|")
        case .values:
            return describe(.values(row), names)
        }
    }
}
