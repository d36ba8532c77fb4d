import Architectures
import Engine
import Tensors

/// Two forward passes on the same fixed input, compared: how `zoo verify --check-outputs` and
/// `zoo convert` show that a conversion kept a model's function, and how much a framework's
/// different computation (ε, padding, GELU…) changes it. zoo claims no equivalence a forward
/// pass has not shown.
public struct OutputComparison: Sendable, Codable, Equatable {
    /// What was compared (`logits`, `pooled features`…).
    public let output: String
    /// Largest |a − b| over the batch.
    public let maxAbsoluteDifference: Double
    /// Largest |a|: the scale the difference is measured against.
    public let scale: Double
    /// Share of samples whose arg-max agrees (classifiers only).
    public let top1Agreement: Double?

    /// Runs `reference` and `candidate` (graphs of one architecture, with their weights) on the
    /// fixed input and compares their final outputs.
    public static func compare(
        reference: (graph: ModelGraph, weights: WeightSource), candidate: (graph: ModelGraph, weights: WeightSource)
    ) throws -> OutputComparison {
        let a = try FixedInput.run(reference.graph, reference.weights)
        let b = try FixedInput.run(candidate.graph, candidate.weights)
        let difference = zip(a.values, b.values).reduce(0.0) { max($0, Double(abs($1.0 - $1.1))) }
        let scale = a.values.reduce(0.0) { max($0, Double(abs($1))) }
        var agreement: Double?
        if reference.graph.classifier != nil {
            let width = a.values.count / FixedInput.batch
            let agreeing = (0..<FixedInput.batch).filter { sample in
                argmax(a.values[sample * width..<(sample + 1) * width]) == argmax(b.values[sample * width..<(sample + 1) * width])
            }.count
            agreement = Double(agreeing) / Double(FixedInput.batch)
        }
        return OutputComparison(output: a.name, maxAbsoluteDifference: difference, scale: scale, top1Agreement: agreement)
    }

    /// Whether the two outputs are the same up to float32 rounding of differently ordered sums.
    public var isEquivalent: Bool { maxAbsoluteDifference <= 1e-4 * max(1, scale) }

    private static func argmax(_ values: ArraySlice<Float>) -> Int { values.indices.max { values[$0] < values[$1] }! }
}

/// The input every output comparison uses: a fixed batch, the same in every run.
enum FixedInput {
    static let batch = 2

    /// The graph's final output for the fixed batch: logits, or the features of a headless graph.
    static func run(_ graph: ModelGraph, _ weights: WeightSource) throws -> (name: String, values: [Float]) {
        let output = graph.nodes[graph.nodes.count - 1].name
        // One run: compiling node by node keeps one node's weights in memory, not the model's.
        let plan = try ForwardPlan(graph: graph, weights: weights, batch: batch, outputs: [output], keepingWeights: false)
        let name = graph.classifier != nil ? "logits" : "features (\(output))"
        var random = SplitMix64(seed: 0x5EED_0F_2009)
        switch graph.input {
        case .image(let channels, let size):
            // Standardised pixels, as after ImageNet normalisation.
            let pixels = (0..<batch * channels * size * size).map { _ in Float(uniform(&random) * 4 - 2) }
            return (name, try plan.run(images: pixels, count: batch)[0])
        case .tokens(let length):
            let vocabulary = graph.nodes.compactMap { node -> Int? in
                if case .embedding(let count, _, .token) = node.op { return count }
                return nil
            }.first ?? 1
            // Ids above RoBERTa's special tokens (0–3), then padding on the second sample's tail.
            let ids = (0..<batch).map { _ in (0..<length).map { _ in 4 + Int(uniform(&random) * Double(vocabulary - 4)) } }
            let mask = (0..<batch).map { sample in (0..<length).map { sample == 1 && $0 >= length * 3 / 4 ? 0 : 1 } }
            return (name, try plan.run(tokens: TokenBatch(ids: ids, attentionMask: mask))[0])
        }
    }

    /// A double in [0, 1) with 53 random bits.
    private static func uniform(_ random: inout SplitMix64) -> Double { Double(random.next() >> 11) * 0x1p-53 }
}
