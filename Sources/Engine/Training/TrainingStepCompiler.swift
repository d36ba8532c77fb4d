import Architectures

/// Builds the `TrainingStep` of each node on the backward path, one operation family at a time,
/// binding each to its parameters in the store.
struct TrainingStepCompiler {
    let graph: ModelGraph
    let layout: TrainingLayout
    let store: ParameterStore
    let frozen: Set<FreezeGroup>
    let input: InputSpec
    let seed: UInt64
    /// The largest scratch any step needs.
    private(set) var scratchNeeded = 0

    init(graph: ModelGraph, layout: TrainingLayout, store: ParameterStore, frozen: Set<FreezeGroup>, input: InputSpec, seed: UInt64) {
        self.graph = graph
        self.layout = layout
        self.store = store
        self.frozen = frozen
        self.input = input
        self.seed = seed
    }

    private func values(_ node: Int) -> StepValues {
        let inputs = graph.nodes[node].inputs
        return StepValues(
            inputs: inputs.map { layout.valueOf[$0] ?? -1 }, output: layout.valueOf[node]!,
            inputGradients: inputs.map { layout.gradientOf[$0] }, outputGradient: layout.gradientOf[node]!)
    }

    private func parameter(_ node: Int, _ suffix: String) throws -> Parameter {
        let name = graph.nodes[node].name + "." + suffix
        guard let parameter = store[name] else { throw EngineError.missingWeight(name: name, source: "the parameter store") }
        return parameter
    }

    mutating func step(for node: Int) throws -> TrainingStep {
        let n = graph.nodes[node], shape = layout.shapes[node], perSample = shape.reduce(1, *)
        let inShape = n.inputs.first.map { layout.shapes[$0] } ?? []
        let values = values(node)
        switch n.op {
        case .input:
            throw EngineError.unsupported(node: n.name, what: "a gradient for the input")
        case .conv2d(let conv):
            let window = PlanCompiler.window(conv, inShape: inShape, outShape: shape)
            let weight = try parameter(node, "weight"), bias = conv.bias ? try parameter(node, "bias") : nil
            if conv.isDepthwise && conv.outChannels == conv.inChannels {
                return DepthwiseStep(values: values, window: window, channels: conv.outChannels, weight: weight, bias: bias)
            }
            guard conv.groups == 1 else { throw EngineError.unsupported(node: n.name, what: "grouped convolution with \(conv.groups) groups") }
            let step = ConvolutionStep(values: values, window: window, inChannels: conv.inChannels, outChannels: conv.outChannels, weight: weight, bias: bias)
            scratchNeeded = max(scratchNeeded, step.scratchNeeded)
            return step
        case .batchNorm(let channels, let epsilon, let momentum):
            let pixels = perSample / channels, activation = layout.fusedActivation[node]
            guard frozen.contains(n.group) else {
                return BatchNormStep(
                    values: values, name: n.name, channels: channels, pixels: pixels, epsilon: epsilon, momentum: momentum, activation: activation,
                    store: store)
            }
            let (scale, shift) = try PlanCompiler.batchNorm(n.name, channels: channels, epsilon: epsilon, weights: store)
            return FrozenBatchNormStep(values: values, channels: channels, pixels: pixels, scale: scale, shift: shift, activation: activation)
        case .activation(let activation):
            return ActivationStep(values: values, activation: activation, perSample: perSample)
        case .maxPool(let kernel, let stride, let padding):
            let window = Window(inHeight: inShape[1], inWidth: inShape[2], outHeight: shape[1], outWidth: shape[2], kernel: kernel, stride: stride, padTop: padding, padLeft: padding)
            return MaxPoolStep(values: values, window: window, channels: shape[0])
        case .adaptiveAvgPool(let size):
            return AveragePoolStep(values: values, inHeight: inShape[1], inWidth: inShape[2], size: size, channels: shape[0])
        case .flatten:
            let (channels, pixels) = inShape.count == 3 ? (inShape[0], inShape[1] * inShape[2]) : (perSample, 1)
            return FlattenStep(values: values, channels: channels, pixels: pixels)
        case .linear(let inFeatures, let outFeatures, let hasBias):
            return LinearStep(
                values: values, rowsPerSample: perSample / outFeatures, inFeatures: inFeatures, outFeatures: outFeatures,
                weight: try parameter(node, "weight"), bias: hasBias ? try parameter(node, "bias") : nil)
        case .dropout(let probability):
            return DropoutStep(values: values, probability: probability, perSample: perSample, seed: seed ^ (UInt64(node) &* 0xD1B5_4A32_D192_ED03))
        case .add:
            guard n.inputs.allSatisfy({ layout.shapes[$0] == shape }) else {
                throw EngineError.unsupported(node: n.name, what: "a sum of differently shaped inputs")
            }
            return SumStep(values: values, perSample: perSample)
        case .multiply:
            let gate = layout.shapes[n.inputs[1]]
            guard gate.count == 3, gate[0] == shape[0], gate[1] * gate[2] == 1 else {
                throw EngineError.unsupported(node: n.name, what: "a product other than a channel gate")
            }
            return ChannelGateStep(values: values, pixels: shape[1] * shape[2], channels: shape[0])
        case .embedding(let count, let dimension, let index):
            return EmbeddingStep(
                values: values, rows: EmbeddingRows(node: n.name, length: shape[0], rowCount: count, index: index), dimension: dimension,
                table: try parameter(node, "weight"))
        case .layerNorm(let dimension, let epsilon):
            return LayerNormStep(
                values: values, rowsPerSample: perSample / dimension, dimension: dimension, epsilon: epsilon,
                gamma: try parameter(node, "weight"), beta: try parameter(node, "bias"))
        case .attention(let heads):
            let step = AttentionStep(values: values, length: shape[0], hidden: shape[1], heads: heads)
            scratchNeeded = max(scratchNeeded, step.scratchNeeded)
            return step
        case .firstToken:
            return FirstTokenStep(values: values, length: inShape[0], dimension: inShape[1])
        }
    }
}
