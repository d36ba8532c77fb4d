import Architectures
import CheckpointFormats

/// KerasHub's `BertBackbone` and `DistilBertBackbone` saved with `save_weights` (Keras 3
/// `.weights.h5`): Keras names each layer of a functional model after its class, numbering
/// repeats (`transformer_encoder`, `transformer_encoder_1`, …), and each variable by its index
/// (`vars/0` kernel / gamma / table, `vars/1` bias / beta). Attention projections are
/// `EinsumDense` kernels `[hidden, heads, size]` with biases `[heads, size]`, the output
/// projection `[heads, size, hidden]`. A BERT graph with a head is `BertTextClassifier`: the
/// backbone nested under `layers/bert_backbone/`, the logits `Dense` at `layers/dense`.
///
/// Not named: RoBERTa (`RobertaBackbone` has no token-type embedding, no pooler and 512 positions
/// where Hugging Face has 514) and a DistilBERT head (`DistilBertTextClassifier` puts a ReLU
/// `Dense` before its logits). BERT's GELU is the tanh approximation (`gelu_approximate`);
/// DistilBERT's is erf; layer-norm ε is 1e-12 in both, as in the registry.
struct KerasHubNaming: ConventionNaming {
    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        let distil: Bool
        switch model.namingFamily {
        case "bert", "minilm": distil = false
        case "distilbert" where graph.classifier == nil: distil = true
        default: return nil
        }
        let backbone = graph.classifier == nil ? "layers/" : "layers/bert_backbone/layers/"
        var tensors: [(name: String, parameter: String, transform: LayoutTransform)] = []
        var seen: [FreezeGroup: (linears: Int, norms: Int)] = [:]
        for (index, node) in graph.nodes.enumerated() {
            let parameters = graph.parameters.filter { $0.node == index }
            guard !parameters.isEmpty else { continue }
            let count = seen[node.group, default: (0, 0)]
            let layer: String
            var transforms: (weight: LayoutTransform, bias: LayoutTransform) = (.identity, .identity)
            switch (node.group, node.op) {
            case (.embeddings, .embedding(_, _, let kind)):
                layer = backbone + Self.embeddingLayer(kind, distil: distil)
            case (.embeddings, .layerNorm):
                layer = backbone + "layer_normalization"
            case (.layer(let i), .linear(let inFeatures, let outFeatures, _)):
                layer = backbone + "transformer_encoder" + (i == 0 ? "" : "_\(i)") + "/" + Self.encoderParts[count.linears]
                let heads = Self.heads(in: graph, group: node.group)
                switch count.linears {
                case 0...2: transforms = (.linearToHeads([outFeatures, inFeatures], heads: heads), .biasToHeads([outFeatures], heads: heads))
                case 3: transforms.weight = .linearFromHeads([outFeatures, inFeatures], heads: heads)
                default: transforms.weight = .linearToDense
                }
                seen[node.group] = (count.linears + 1, count.norms)
            case (.layer(let i), .layerNorm):
                layer = backbone + "transformer_encoder" + (i == 0 ? "" : "_\(i)") + "/" + Self.encoderNorms[count.norms]
                seen[node.group] = (count.linears, count.norms + 1)
            case (.pooler, .linear):
                layer = backbone + "dense"
                transforms.weight = .linearToDense
            case (.head, .linear):
                layer = "layers/dense"
                transforms.weight = .linearToDense
            default:
                preconditionFailure("KerasHub has no layer for \(node.name) of \(graph.name)")
            }
            for parameter in parameters {
                let isBias = parameter.spec.suffix == "bias"
                tensors.append((layer + (isBias ? "/vars/1" : "/vars/0"), parameter.name, isBias ? transforms.bias : transforms.weight))
            }
        }
        var builder = LayoutBuilder(.kerasHub, model, graph)
        for tensor in tensors.sorted(by: { Self.listedBefore($0.name, $1.name) }) {
            builder.map(tensor.parameter, to: tensor.name, tensor.transform)
        }
        return builder.finish(differences: distil ? [] : [.tanhGELU])
    }

    /// A `TransformerEncoder`'s dense layers in the order the registry's layer computes them.
    static let encoderParts = [
        "_self_attention_layer/query_dense", "_self_attention_layer/key_dense", "_self_attention_layer/value_dense",
        "_self_attention_layer/output_dense", "_feedforward_intermediate_dense", "_feedforward_output_dense",
    ]
    static let encoderNorms = ["_self_attention_layer_norm", "_feedforward_layer_norm"]

    static func embeddingLayer(_ kind: Op.EmbeddingIndex, distil: Bool) -> String {
        switch kind {
        case .token: distil ? "token_and_position_embedding/token_embedding" : "reversible_embedding"
        case .position, .positionAfterPadding: distil ? "token_and_position_embedding/position_embedding" : "position_embedding"
        case .tokenType: "embedding"
        }
    }

    /// The attention heads of the layer in `group`.
    static func heads(in graph: ModelGraph, group: FreezeGroup) -> Int {
        for node in graph.nodes where node.group == group {
            if case .attention(let heads) = node.op { return heads }
        }
        preconditionFailure("\(graph.name): no attention in \(group)")
    }

    /// The order zoo's HDF5 reader lists paths in: group by group, children in `KerasNaming.childOrder`.
    static func listedBefore(_ a: String, _ b: String) -> Bool {
        for (x, y) in zip(a.split(separator: "/"), b.split(separator: "/")) where x != y {
            return KerasNaming.childOrder(String(x), String(y))
        }
        return a.count < b.count
    }
}
