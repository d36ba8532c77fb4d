import Architectures
import Engine
import Foundation
import Tensors
import Testing
import TestSupport

/// Every registry model's forward pass against PyTorch's (torchvision, timm, transformers) on the
/// same generated weights and input: formats/engine/README.md says how both were made.
@Suite(.serialized)
struct RegistryForwardTests {
    static let imageModels = Registry.models.filter { $0.task == "image" }.map(\.name)
    static let textModels = Registry.models.filter { $0.task == "text" }.map(\.name)

    @Test("image model logits equal PyTorch's", arguments: imageModels)
    func imageModel(_ name: String) throws {
        let graph = Registry.model(named: name)!.graph
        guard case .image(_, let size) = graph.input else { Issue.record("\(name) is not an image model"); return }
        let plan = try ForwardPlan(graph: graph, weights: EngineReference.weights(name), batch: 2)
        let image = NameKeyedWeights.image(batch: 2, size: size).scalars(as: Float.self)
        let logits = try plan.run(images: image, count: 2)[0]
        let expected = try EngineReference.floats(EngineReference.outputs(name), "logits")
        let error = maxAbsoluteDifference(logits, expected)
        #expect(error <= 1e-4, "\(name): max |zoo − PyTorch| = \(error)")
    }

    @Test("encoder hidden states and pooler equal transformers'", arguments: textModels)
    func textModel(_ name: String) throws {
        let graph = Registry.model(named: name)!.graph
        let reference = try EngineReference.outputs(name)
        let ids = try EngineReference.integers(reference, "input_ids")
        let mask = try EngineReference.integers(reference, "attention_mask")
        let length = ids[0].count
        let hidden = graph.nodes.first { $0.name == "first_token" }!.inputs[0]
        let hasPooler = graph.nodes.contains { $0.name == "pooler.activation" }
        let outputs = [graph.nodes[hidden].name] + (hasPooler ? ["pooler.activation"] : [])
        let plan = try ForwardPlan(graph: graph, weights: EngineReference.weights(name), input: .tokens(length: length), batch: 2, outputs: outputs)
        let results = try plan.run(tokens: TokenBatch(ids: ids, attentionMask: mask))
        let h = results[0], width = plan.outputShape(0)[1]
        let tokens = h.count / width

        // The fixture keeps the first 64 channels, and per-token reductions over all of them.
        let head = (0..<tokens).flatMap { h[$0 * width..<$0 * width + 64] }
        let norms = (0..<tokens).map { token in Float(h[token * width..<(token + 1) * width].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()) }
        let means = (0..<tokens).map { token in Float(h[token * width..<(token + 1) * width].reduce(0.0) { $0 + Double($1) } / Double(width)) }
        let projection = Self.projections(width: width)
        var projected: [Float] = []
        for token in 0..<tokens {
            let vector = h[token * width..<(token + 1) * width]
            for row in projection {
                let dot = zip(vector, row).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                projected.append(Float(dot / Double(width).squareRoot()))
            }
        }
        var compared = [
            ("last_hidden_state_head", head), ("token_norm", norms), ("token_mean", means), ("token_projection", projected),
        ]
        if hasPooler { compared.append(("pooler_head", (0..<2).flatMap { results[1][$0 * width..<$0 * width + 64] })) }
        for (array, values) in compared {
            let error = maxAbsoluteDifference(values, try EngineReference.floats(reference, array))
            // Norms sum √H squares of O(1) values: their float32 rounding is ~√H larger.
            let tolerance: Float = array == "token_norm" ? 1e-4 * Float(width).squareRoot() / 8 : 1e-4
            #expect(error <= tolerance, "\(name) \(array): max |zoo − transformers| = \(error)")
        }
    }

    /// The fixture's four projection rows `R [4, H]`: `s` values of the stream seeded by "projection".
    static func projections(width: Int) -> [[Float]] {
        var rng = SplitMix64(seed: NameKeyedWeights.seed("projection"))
        return (0..<4).map { _ in (0..<width).map { _ in 2 * NameKeyedWeights.uniform(&rng) - 1 } }
    }
}
