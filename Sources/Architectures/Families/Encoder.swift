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
            let position = b.add("embeddings.position_embeddings", .embedding(count: maxPositions, dimension: hidden, index: .position(offset: 0)), [ids])
            let type = b.add("embeddings.token_type_embeddings", .embedding(count: 2, dimension: hidden, index: .tokenType), [ids])
            sum = b.add("embeddings.add", .add, [word, position, type])
        case .roberta:
            // Registered in this order by transformers, so its state dict lists them so.
            let type = b.add("embeddings.token_type_embeddings", .embedding(count: 1, dimension: hidden, index: .tokenType), [ids])
            let position = b.add("embeddings.position_embeddings", .embedding(count: maxPositions, dimension: hidden, index: .position(offset: 2)), [ids])
            sum = b.add("embeddings.add", .add, [word, type, position])
        case .distilbert:
            let position = b.add("embeddings.position_embeddings", .embedding(count: maxPositions, dimension: hidden, index: .position(offset: 0)), [ids])
            sum = b.add("embeddings.add", .add, [word, position])
        }
        var x = b.add("embeddings.LayerNorm", .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [sum])
        for index in 0..<layers {
            b.group = .layer(index)
            x = layout == .distilbert ? distilBERTLayer(&b, "transformer.layer.\(index)", x) : bertLayer(&b, "encoder.layer.\(index)", x)
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

    /// One BERT/RoBERTa layer: self-attention, add & norm, feed-forward, add & norm.
    private func bertLayer(_ b: inout GraphBuilder, _ name: String, _ input: Int) -> Int {
        let attention = selfAttention(&b, input, query: "\(name).attention.self.query", key: "\(name).attention.self.key",
                                      value: "\(name).attention.self.value", scores: "\(name).attention.self.scores",
                                      output: "\(name).attention.output.dense")
        let residual = b.add("\(name).attention.output.add", .add, [attention, input])
        let normed = b.add("\(name).attention.output.LayerNorm", .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [residual])
        b.add("\(name).intermediate.dense", .linear(inFeatures: hidden, outFeatures: intermediate, bias: true))
        b.add("\(name).intermediate.activation", .activation(.gelu))
        let down = b.add("\(name).output.dense", .linear(inFeatures: intermediate, outFeatures: hidden, bias: true))
        let sum = b.add("\(name).output.add", .add, [down, normed])
        return b.add("\(name).output.LayerNorm", .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [sum])
    }

    /// One DistilBERT layer, the same computation under DistilBERT's names.
    private func distilBERTLayer(_ b: inout GraphBuilder, _ name: String, _ input: Int) -> Int {
        let attention = selfAttention(&b, input, query: "\(name).attention.q_lin", key: "\(name).attention.k_lin",
                                      value: "\(name).attention.v_lin", scores: "\(name).attention.scores",
                                      output: "\(name).attention.out_lin")
        let residual = b.add("\(name).attention.add", .add, [attention, input])
        let normed = b.add("\(name).sa_layer_norm", .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [residual])
        b.add("\(name).ffn.lin1", .linear(inFeatures: hidden, outFeatures: intermediate, bias: true))
        b.add("\(name).ffn.activation", .activation(.gelu))
        let down = b.add("\(name).ffn.lin2", .linear(inFeatures: intermediate, outFeatures: hidden, bias: true))
        let sum = b.add("\(name).ffn.add", .add, [down, normed])
        return b.add("\(name).output_layer_norm", .layerNorm(dimension: hidden, epsilon: layerNormEpsilon), [sum])
    }

    /// Query, key and value projections, attention, and the output projection.
    private func selfAttention(
        _ b: inout GraphBuilder, _ input: Int, query: String, key: String, value: String, scores: String, output: String
    ) -> Int {
        let projection = Op.linear(inFeatures: hidden, outFeatures: hidden, bias: true)
        let q = b.add(query, projection, [input]), k = b.add(key, projection, [input]), v = b.add(value, projection, [input])
        b.add(scores, .attention(heads: heads), [q, k, v])
        return b.add(output, projection)
    }
}
