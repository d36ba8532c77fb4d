import Architectures

/// Google's original TensorFlow BERT checkpoints (google-research/bert `modeling.py`, and
/// `run_classifier.py` for a head). Hugging Face kept Google's scopes when it ported BERT, so each
/// name is the canonical module path under `bert/` with `/` for `.` and `layer_N` for `layer.N`;
/// the leaf follows the op: an embedding table is the scope itself, a layer norm has `gamma` and
/// `beta`, a dense layer `kernel` ([in, out]) and `bias`. The classifier is `output_weights`
/// ([classes, hidden], multiplied with `transpose_b`) and `output_bias`. Only the BERT layout has
/// TF1 checkpoints (RoBERTa and DistilBERT were released for PyTorch). Listed in key order, as a
/// TensorFlow checkpoint's index is. `modeling.py`'s GELU is the tanh approximation.
struct TF1BERTNaming: ConventionNaming {
    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        guard ["bert", "minilm"].contains(model.namingFamily) else { return nil }
        let head = graph.classifier
        let tensors = graph.parameters.map { parameter -> (name: String, parameter: String, transform: LayoutTransform) in
            let node = graph.nodes[parameter.node]
            let isWeight = parameter.spec.suffix == "weight"
            if parameter.node == head { return (isWeight ? "output_weights" : "output_bias", parameter.name, .identity) }
            let scope = "bert/" + Self.scope(node.name)
            switch node.op {
            case .embedding: return (scope, parameter.name, .identity)
            case .layerNorm: return (scope + (isWeight ? "/gamma" : "/beta"), parameter.name, .identity)
            default: return (scope + (isWeight ? "/kernel" : "/bias"), parameter.name, isWeight ? .linearToDense : .identity)
            }
        }
        var builder = LayoutBuilder(.tf1BERT, model, graph)
        for tensor in tensors.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }) {
            builder.map(tensor.parameter, to: tensor.name, tensor.transform)
        }
        return builder.finish(differences: [.tanhGELU])
    }

    /// `encoder.layer.3.attention.self.query` → `encoder/layer_3/attention/self/query`.
    static func scope(_ module: String) -> String {
        var parts: [String] = []
        for part in module.split(separator: ".").map(String.init) {
            if let last = parts.last, last == "layer", part.allSatisfy(\.isNumber) {
                parts[parts.count - 1] = "layer_" + part
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}
