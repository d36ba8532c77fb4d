import Architectures

extension PlanCompiler {
    /// Compiles linear layers (with the activation after them), embeddings, layer norms, attention and the first-token read of encoders.
    mutating func sequence(_ index: Int) throws -> Int {
        let node = graph.nodes[index], shape = shapes[index]
        let perSample = shape.reduce(1, *)
        switch node.op {
        case .linear(let inFeatures, let outFeatures, let hasBias):
            let w = try parameter(index, "weight")
            let bias = hasBias ? try parameter(index, "bias") : nil
            let source = read(node.inputs[0])
            let fused = activationAfter(index)
            let value = newValue(perSample)
            emit(Linear(
                input: source, output: value, rowsPerSample: perSample / outFeatures, inFeatures: inFeatures, outFeatures: outFeatures,
                weights: w, epilogue: Epilogue(bias: bias, activation: fused?.activation)))
            return finish(value, from: index, through: fused?.node)
        case .embedding(let count, let dimension, let embeddingIndex):
            let table = try parameter(index, "weight")
            let value = newValue(perSample)
            emit(EmbeddingLookup(output: value, rows: EmbeddingRows(node: node.name, length: shape[0], rowCount: count, index: embeddingIndex), dimension: dimension, table: table))
            return finish(value, from: index)
        case .layerNorm(let dimension, let epsilon):
            let gamma = try parameter(index, "weight"), beta = try parameter(index, "bias")
            let source = read(node.inputs[0])
            let value = newValue(perSample)
            emit(LayerNorm(input: source, output: value, rowsPerSample: perSample / dimension, dimension: dimension, epsilon: epsilon, gamma: gamma, beta: beta))
            return finish(value, from: index)
        case .attention(let heads):
            let (q, k, v) = (read(node.inputs[0]), read(node.inputs[1]), read(node.inputs[2]))
            let value = newValue(perSample)
            let attention = Attention(query: q, key: k, value: v, output: value, length: shape[0], hidden: shape[1], heads: heads)
            scratchNeeded = max(scratchNeeded, attention.scratchNeeded)
            emit(attention)
            return finish(value, from: index)
        case .firstToken:
            let inShape = shapes[node.inputs[0]]
            let source = read(node.inputs[0])
            let value = newValue(perSample)
            emit(FirstToken(input: source, output: value, length: inShape[0], dimension: inShape[1]))
            return finish(value, from: index)
        default:
            preconditionFailure("\(node.op) is not a sequence operation")
        }
    }
}
