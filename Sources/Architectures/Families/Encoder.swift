/// Transformer encoders in Hugging Face's layouts: BERT (and MiniLM, which is a small BERT),
/// RoBERTa, and DistilBERT. Freeze groups: embeddings, layer 0 … N−1, pooler, head.
public struct Encoder: Sendable {
    /// Module naming and the parts that differ between the families.
    public enum Layout: Sendable { case bert, roberta, distilbert }

    public var layout: Layout
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    public var intermediate: Int
    public var vocabulary: Int
    public var maxPositions = 512
    public var layerNormEpsilon = 1e-12

    public init(_ layout: Layout, layers: Int, hidden: Int, heads: Int? = nil, intermediate: Int? = nil, vocabulary: Int) {
        self.layout = layout
        self.layers = layers
        self.hidden = hidden
        self.heads = heads ?? hidden / 64
        self.intermediate = intermediate ?? 4 * hidden
        self.vocabulary = vocabulary
        if layout == .roberta {
            maxPositions = 514
            layerNormEpsilon = 1e-5
        }
    }

    /// The encoder with its pooler (none for DistilBERT) and, when `numClasses` is given, a
    /// classification head on the pooled (or first-token) vector.
    public func graph(name: String, numClasses: Int? = nil, sequenceLength: Int = 128) -> ModelGraph {
        var b = GraphBuilder()
        b.group = .embeddings
        let ids = b.input
        let word = b.add("embeddings.word_embeddings", .embedding(count: vocabulary, dimension: hidden, index: .token), [ids])
        var sum: Int
        switch layout {
        case .bert:
            let position = b.add("embeddings.position_embeddings", .embedding(count: maxPositions, dimension: hidden, index: .position), [ids])
            let type = b.add("embeddings.token_type_embeddings", .embedding(count: 2, dimension: hidden, index: .tokenType), [ids])
            sum = b.add("embeddings.add", .add, [word, position, type])
        case .roberta:
            // Registered in this order by transformers, so its state dict lists them so.
            let type = b.add("embeddings.token_type_embeddings", .embedding(count: 1, dimension: hidden, index: .tokenType), [ids])
            let position = b.add("embeddings.position_embeddings", .embedding(count: maxPositions, dimension: hidden, index: .positionAfterPadding(paddingToken: 1)), [ids])
            sum = b.add("embeddings.add", .add, [word, type, position])
        case .distilbert:
            let position = b.add("embeddings.position_embeddings", .embedding(count: maxPositions, dimension: hidden, index: .position), [ids])
            sum = b.add("embeddings.add", .add, [word, position])
        }
        var x = b.add("embeddings.LayerNorm", .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [sum])
        for index in 0..<layers {
            b.group = .layer(index)
            x = layer(&b, layout == .distilbert ? .distilBERT("transformer.layer.\(index)") : .bert("encoder.layer.\(index)"), x)
        }
        var features = b.add("first_token", .firstToken, [x])
        if layout != .distilbert {
            b.group = .pooler
            b.add("pooler.dense", .linear(inFeatures: hidden, outFeatures: hidden, bias: true))
            features = b.add("pooler.activation", .activation(.tanh))
        }
        if let numClasses {
            b.group = .head
            b.add("dropout", .dropout(probability: 0.1), [features])
            b.add("classifier", .linear(inFeatures: hidden, outFeatures: numClasses, bias: true))
        }
        return b.graph(name: name, input: .tokens(length: sequenceLength))
    }

    /// The module paths of one layer's parts, which is all that differs between the layouts.
    struct LayerNames {
        let query, key, value, scores, attentionOutput, attentionAdd, attentionNorm: String
        let up, activation, down, outputAdd, outputNorm: String

        static func bert(_ p: String) -> LayerNames {
            LayerNames(
                query: "\(p).attention.self.query", key: "\(p).attention.self.key", value: "\(p).attention.self.value",
                scores: "\(p).attention.self.scores", attentionOutput: "\(p).attention.output.dense",
                attentionAdd: "\(p).attention.output.add", attentionNorm: "\(p).attention.output.LayerNorm",
                up: "\(p).intermediate.dense", activation: "\(p).intermediate.activation", down: "\(p).output.dense",
                outputAdd: "\(p).output.add", outputNorm: "\(p).output.LayerNorm")
        }

        static func distilBERT(_ p: String) -> LayerNames {
            LayerNames(
                query: "\(p).attention.q_lin", key: "\(p).attention.k_lin", value: "\(p).attention.v_lin",
                scores: "\(p).attention.scores", attentionOutput: "\(p).attention.out_lin",
                attentionAdd: "\(p).attention.add", attentionNorm: "\(p).sa_layer_norm",
                up: "\(p).ffn.lin1", activation: "\(p).ffn.activation", down: "\(p).ffn.lin2",
                outputAdd: "\(p).ffn.add", outputNorm: "\(p).output_layer_norm")
        }
    }

    /// One post-norm transformer layer: self-attention, add & norm, feed-forward, add & norm.
    private func layer(_ b: inout GraphBuilder, _ n: LayerNames, _ input: Int) -> Int {
        let projection = Op.linear(inFeatures: hidden, outFeatures: hidden, bias: true)
        let q = b.add(n.query, projection, [input]), k = b.add(n.key, projection, [input]), v = b.add(n.value, projection, [input])
        b.add(n.scores, .attention(heads: heads), [q, k, v])
        let attention = b.add(n.attentionOutput, projection)
        let residual = b.add(n.attentionAdd, .add, [attention, input])
        let normed = b.add(n.attentionNorm, .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [residual])
        b.add(n.up, .linear(inFeatures: hidden, outFeatures: intermediate, bias: true))
        b.add(n.activation, .activation(.gelu))
        let down = b.add(n.down, .linear(inFeatures: intermediate, outFeatures: hidden, bias: true))
        let sum = b.add(n.outputAdd, .add, [down, normed])
        return b.add(n.outputNorm, .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [sum])
    }
}
