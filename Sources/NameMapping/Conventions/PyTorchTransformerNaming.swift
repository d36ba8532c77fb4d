import Architectures

/// The registry's encoders with PyTorch's own `torch.nn.TransformerEncoder` as their encoder:
/// layer N is a post-norm `TransformerEncoderLayer` at `encoder.layers.N.`, its query, key and
/// value projections fused into one `self_attn.in_proj_weight` `[3·hidden, hidden]` (rows q; k; v)
/// and `in_proj_bias`, then `self_attn.out_proj`, `linear1`, `linear2`, `norm1` (after attention)
/// and `norm2` (after the feed-forward), in that order as its state dict lists them. torch.nn has
/// no embeddings or pooler for these models, so those keep Hugging Face's module names
/// (`embeddings.word_embeddings`, …, `pooler.dense`) and the head stays `classifier`: the file is
/// the Hugging Face model with its `encoder` swapped for torch's.
///
/// No function difference is recorded: the file is for a layer built to compute the registry's
/// function — `TransformerEncoderLayer(hidden, heads, intermediate, activation="gelu",
/// layer_norm_eps=ε, batch_first=True, norm_first=False)` with the model's ε (1e-12 for BERT,
/// MiniLM and DistilBERT; torch's default 1e-5 is RoBERTa's) — since a state dict carries no ε
/// and the layer has no stock configuration to differ from. torch's "gelu" is erf GELU, and its
/// `src_key_padding_mask` is True where a token is padding (Hugging Face's attention mask negated).
struct PyTorchTransformerNaming: ConventionNaming {
    /// One layer's modules after the fused projection: the registry's remaining linear layers,
    /// then its two layer norms, in the order the layer computes them.
    static let layerModules = ["self_attn.out_proj", "linear1", "linear2", "norm1", "norm2"]

    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        guard ["bert", "minilm", "roberta", "distilbert"].contains(model.namingFamily) else { return nil }
        var builder = LayoutBuilder(.pytorchTransformer, model, graph)
        var layersDone = Set<Int>()
        for parameter in graph.parameters {
            if case .layer(let index) = parameter.group {
                if layersDone.insert(index).inserted { Self.mapLayer(index, graph, &builder) }
            } else {
                builder.map(parameter.name, to: parameter.name)
            }
        }
        return builder.finish()
    }

    /// Layer `index` of `graph` as one `TransformerEncoderLayer`'s state dict.
    static func mapLayer(_ index: Int, _ graph: ModelGraph, _ builder: inout LayoutBuilder) {
        let nodes = graph.nodes.indices.filter { graph.nodes[$0].group == .layer(index) }
        guard let attention = nodes.first(where: { if case .attention = graph.nodes[$0].op { true } else { false } }) else {
            preconditionFailure("\(graph.name): no attention in layer \(index)")
        }
        let projections = graph.nodes[attention].inputs  // query, key, value
        let linears = nodes.filter { if case .linear = graph.nodes[$0].op { !projections.contains($0) } else { false } }
        let norms = nodes.filter { if case .layerNorm = graph.nodes[$0].op { true } else { false } }
        guard projections.count == 3, linears.count + norms.count == layerModules.count else {
            preconditionFailure("\(graph.name): layer \(index) is not a post-norm transformer layer")
        }
        let prefix = "encoder.layers.\(index)."
        let parameter = { (node: Int, suffix: String) in graph.nodes[node].name + "." + suffix }
        builder.fuse(projections.map { parameter($0, "weight") }, to: prefix + "self_attn.in_proj_weight")
        builder.fuse(projections.map { parameter($0, "bias") }, to: prefix + "self_attn.in_proj_bias")
        for (node, module) in zip(linears + norms, layerModules) {
            for suffix in ["weight", "bias"] { builder.map(parameter(node, suffix), to: prefix + module + "." + suffix) }
        }
    }
}
