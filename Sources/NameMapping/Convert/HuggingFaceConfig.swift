import Architectures
import Foundation

/// The `config.json` transformers needs to load an encoder written by zoo: every size read
/// off the graph, so it always describes the tensors beside it.
enum HuggingFaceConfig {
    static func json(for graph: ModelGraph, model: RegisteredModel) throws -> String {
        var tables: [Op.EmbeddingIndex: (count: Int, dimension: Int)] = [:]
        var heads = 0, layers = 0, intermediate = 0, epsilon = 1e-12, activation = "gelu"
        for node in graph.nodes {
            switch node.op {
            case .embedding(let count, let dimension, let index): tables[index.kind] = (count, dimension)
            case .attention(let h): heads = h; layers += 1
            case .linear(_, let out, _) where intermediate == 0 && (node.name.hasSuffix(".intermediate.dense") || node.name.hasSuffix(".ffn.lin1")): intermediate = out
            case .layerNorm(_, let e): epsilon = e
            case .activation(.geluTanh): activation = "gelu_new"
            default: break
            }
        }
        guard let word = tables[.token], let position = tables[.position] else { throw MappingError.notInGraph(name: "embeddings", model: model.name) }
        var config: [String: Any]
        switch model.family {
        case "distilbert":
            config = [
                "model_type": "distilbert", "vocab_size": word.count, "dim": word.dimension, "n_layers": layers, "n_heads": heads,
                "hidden_dim": intermediate, "max_position_embeddings": position.count, "activation": activation,
                "sinusoidal_pos_embds": false, "pad_token_id": 0,
            ]
        default:
            let roberta = model.family == "roberta"
            config = [
                "model_type": roberta ? "roberta" : "bert", "vocab_size": word.count, "hidden_size": word.dimension,
                "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": intermediate, "hidden_act": activation,
                "max_position_embeddings": position.count, "type_vocab_size": tables[.tokenType]?.count ?? 2, "layer_norm_eps": epsilon,
                "pad_token_id": roberta ? 1 : 0, "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
            ]
            if roberta { config["bos_token_id"] = 0; config["eos_token_id"] = 2 }
        }
        let prefix = ["distilbert": "DistilBert", "roberta": "Roberta"][model.family] ?? "Bert"
        if let classes = graph.classifierOutputs {
            config["architectures"] = ["\(prefix)ForSequenceClassification"]
            config["num_labels"] = classes
            config["id2label"] = Dictionary(uniqueKeysWithValues: (0..<classes).map { ("\($0)", "LABEL_\($0)") })
            config["label2id"] = Dictionary(uniqueKeysWithValues: (0..<classes).map { ("LABEL_\($0)", $0) })
        } else {
            config["architectures"] = ["\(prefix)Model"]
        }
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension Op.EmbeddingIndex {
    /// The table's role, whatever its position rule.
    var kind: Op.EmbeddingIndex {
        if case .positionAfterPadding = self { return .position }
        return self
    }
}
