import Architectures
import Foundation

/// Turns a `ModelGraph` into kernels over virtual values (one per activation the plan keeps),
/// folding each batch-norm into the convolution before it and each activation into the kernel
/// before it, so inference makes one pass over memory where PyTorch's graph has three.
struct PlanCompiler {
    let graph: ModelGraph
    let input: InputSpec
    let weights: WeightSource
    /// Nodes whose values the caller wants back (never fused away, never overwritten).
    let kept: Set<Int>

    /// Kernels compiled so far: the clock that values' lifetimes are measured in.
    private(set) var steps = 0
    /// Kernels compiled since the caller last took them.
    private var compiled: [any Kernel] = []
    private var nextNode = 0
    /// Per virtual value: floats per sample, the step that writes it, the last step that reads it.
    private(set) var values: [(perSample: Int, defined: Int, lastRead: Int)] = []
    /// The virtual value each node's result lives in (absorbed nodes share their kernel's).
    private(set) var valueOf: [Int: Int] = [:]
    private(set) var scratchNeeded = 0
    /// The value the caller's images are written into (channel-first), for image graphs.
    private(set) var imageInput: Int?

    private let shapes: [[Int]]
    private let consumers: [[Int]]

    init(graph: ModelGraph, input: InputSpec, weights: WeightSource, kept: Set<Int>) {
        self.graph = graph
        self.input = input
        self.weights = weights
        self.kept = kept
        shapes = graph.shapes(input: input)
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for (index, node) in graph.nodes.enumerated() { for input in node.inputs { consumers[input].append(index) } }
        self.consumers = consumers
    }

    /// Every node's kernels, in run order.
    mutating func compile() throws -> [any Kernel] {
        var kernels: [any Kernel] = []
        while let next = try nextKernels() { kernels += next }
        return kernels
    }

    /// The next node's kernels (with whatever it absorbs), in run order; nil once every node is
    /// compiled. A caller that runs and drops each node's kernels holds one node's weights at a time.
    mutating func nextKernels() throws -> [any Kernel]? {
        guard nextNode < graph.nodes.count else {
            for node in kept { if let value = valueOf[node] { values[value].lastRead = Int.max } }
            return nil
        }
        nextNode = try compile(node: nextNode) + 1
        defer { compiled = [] }
        return compiled
    }

    private mutating func emit(_ kernel: any Kernel) {
        compiled.append(kernel)
        steps += 1
    }

    // MARK: - Values

    private mutating func newValue(_ perSample: Int) -> Int {
        values.append((perSample, steps, steps))
        return values.count - 1
    }

    /// The value of `node`, marked as read by the step about to be appended.
    private mutating func read(_ node: Int) -> Int {
        let value = valueOf[node]!
        values[value].lastRead = steps
        return value
    }

    /// The one consumer of `node` when it has exactly one and is `matching`, unless the caller
    /// wants `node` itself.
    private func fusable(after node: Int, _ matching: (Op) -> Bool) -> Int? {
        guard !kept.contains(node), consumers[node].count == 1, let next = consumers[node].first, matching(graph.nodes[next].op) else { return nil }
        return next
    }

    private func activationAfter(_ node: Int) -> (node: Int, activation: Activation)? {
        guard let next = fusable(after: node, { if case .activation = $0 { true } else { false } }),
              case .activation(let activation) = graph.nodes[next].op else { return nil }
        return (next, activation)
    }

    private func parameter(_ node: Int, _ suffix: String) throws -> [Float] {
        let spec = graph.nodes[node].op.parameters.first { $0.suffix == suffix }!
        return try weights.values(of: graph.nodes[node].name + "." + suffix, shape: spec.shape)
    }

    // MARK: - Nodes

    /// Compiles `node` (and whatever it absorbs); returns the last node consumed.
    private mutating func compile(node index: Int) throws -> Int {
        let node = graph.nodes[index], shape = shapes[index]
        let perSample = shape.reduce(1, *)
        switch node.op {
        case .input:
            guard case .image(let channels, let size) = input else { return index }
            let raw = newValue(perSample)
            imageInput = raw
            values[raw].lastRead = steps
            let value = newValue(perSample)
            emit(ChannelTranspose(input: raw, output: value, channels: channels, pixels: size * size, direction: .toChannelsLast))
            valueOf[index] = value
            return index

        case .conv2d(let conv):
            return try convolution(index, conv)

        case .batchNorm(let channels, let epsilon, _):
            let (scale, shift) = try batchNorm(index, channels: channels, epsilon: epsilon)
            let source = read(node.inputs[0])
            let fused = activationAfter(index)
            let value = newValue(perSample)
            emit(ChannelAffine(input: source, output: value, channels: channels, perSample: perSample, scale: scale, epilogue: Epilogue(bias: shift, activation: fused?.activation)))
            return finish(value, from: index, through: fused?.node)

        case .activation(let activation):
            let source = read(node.inputs[0])
            let value = newValue(perSample)
            emit(Activate(input: source, output: value, perSample: perSample, epilogue: Epilogue(bias: nil, activation: activation)))
            return finish(value, from: index)

        case .maxPool(let kernel, let stride, let padding):
            let inShape = shapes[node.inputs[0]]
            let source = read(node.inputs[0])
            let value = newValue(perSample)
            let window = Window(inHeight: inShape[1], inWidth: inShape[2], outHeight: shape[1], outWidth: shape[2], kernel: kernel, stride: stride, padTop: padding, padLeft: padding)
            emit(MaxPool(input: source, output: value, window: window, channels: shape[0]))
            return finish(value, from: index)

        case .adaptiveAvgPool(let size):
            let inShape = shapes[node.inputs[0]]
            if inShape[1] == size && inShape[2] == size { return alias(index) }
            let source = read(node.inputs[0])
            let value = newValue(perSample)
            emit(AdaptiveAveragePool(input: source, output: value, inHeight: inShape[1], inWidth: inShape[2], size: size, channels: shape[0]))
            return finish(value, from: index)

        case .flatten:
            let inShape = shapes[node.inputs[0]]
            guard inShape.count == 3, inShape[1] * inShape[2] > 1 else { return alias(index) }
            let source = read(node.inputs[0])
            let value = newValue(perSample)
            emit(ChannelTranspose(input: source, output: value, channels: inShape[0], pixels: inShape[1] * inShape[2], direction: .toChannelsFirst))
            return finish(value, from: index)

        case .dropout:
            return alias(index)

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

        case .add:
            guard node.inputs.allSatisfy({ shapes[$0] == shape }) else {
                throw EngineError.unsupported(node: node.name, what: "a sum of differently shaped inputs \(node.inputs.map { shapes[$0] })")
            }
            let sources = node.inputs.map { read($0) }
            let fused = activationAfter(index)
            let value = newValue(perSample)
            emit(Sum(inputs: sources, output: value, perSample: perSample, activation: Epilogue(bias: nil, activation: fused?.activation)))
            return finish(value, from: index, through: fused?.node)

        case .multiply:
            let (x, gate) = (node.inputs[0], node.inputs[1])
            guard shapes[gate].count == 3, shapes[gate][0] == shape[0], shapes[gate][1] * shapes[gate][2] == 1 else {
                throw EngineError.unsupported(node: node.name, what: "a product other than a channel gate (\(shapes[x]) × \(shapes[gate]))")
            }
            let source = read(x), scale = read(gate)
            let value = newValue(perSample)
            emit(ChannelScale(input: source, gate: scale, output: value, pixels: shape[1] * shape[2], channels: shape[0]))
            return finish(value, from: index)

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
        }
    }

    /// Records that `first` (and every node up to `last`, which it absorbed) lives in `value`.
    private mutating func finish(_ value: Int, from first: Int, through last: Int? = nil) -> Int {
        var node = first
        valueOf[node] = value
        while let last, node != last {
            node = consumers[node][0]
            valueOf[node] = value
        }
        return max(first, last ?? first)
    }

    /// A node that changes nothing in memory (dropout, a flatten of a 1×1 map, an identity pool).
    private mutating func alias(_ index: Int) -> Int {
        valueOf[index] = valueOf[graph.nodes[index].inputs[0]]
        return index
    }

    // MARK: - Convolution

    /// `scale = γ/√(var+ε)` and `shift = β − mean·scale` of the batch-norm at `index`.
    private func batchNorm(_ index: Int, channels: Int, epsilon: Double) throws -> (scale: [Float], shift: [Float]) {
        try Self.batchNorm(graph.nodes[index].name, channels: channels, epsilon: epsilon, weights: weights)
    }

    /// `scale = γ/√(var+ε)` and `shift = β − mean·scale` of the batch-norm `name` (its running
    /// statistics: inference, or a frozen group in training), computed in double precision.
    static func batchNorm(_ name: String, channels: Int, epsilon: Double, weights: WeightSource) throws -> (scale: [Float], shift: [Float]) {
        let read = { (suffix: String) in try weights.values(of: name + "." + suffix, shape: [channels]) }
        let gamma = try read("weight"), beta = try read("bias"), mean = try read("running_mean"), variance = try read("running_var")
        let scale = (0..<channels).map { Double(gamma[$0]) / (Double(variance[$0]) + epsilon).squareRoot() }
        return (scale.map(Float.init), (0..<channels).map { Float(Double(beta[$0]) - Double(mean[$0]) * scale[$0]) })
    }

    private mutating func convolution(_ index: Int, _ conv: Op.Conv2D) throws -> Int {
        let node = graph.nodes[index], inShape = shapes[node.inputs[0]], shape = shapes[index]
        let isDepthwise = conv.isDepthwise && conv.outChannels == conv.inChannels
        guard conv.groups == 1 || isDepthwise else {
            throw EngineError.unsupported(node: node.name, what: "grouped convolution with \(conv.groups) groups")
        }
        var w = try parameter(index, "weight")
        var bias = conv.bias ? try parameter(index, "bias") : [Float](repeating: 0, count: conv.outChannels)
        var last = index
        let norm = fusable(after: index) { if case .batchNorm = $0 { true } else { false } }
        if let norm, case .batchNorm(let channels, let epsilon, _) = graph.nodes[norm].op {
            let (scale, shift) = try batchNorm(norm, channels: channels, epsilon: epsilon)
            let perFilter = w.count / conv.outChannels
            for filter in 0..<conv.outChannels {
                for offset in 0..<perFilter { w[filter * perFilter + offset] *= scale[filter] }
                bias[filter] = bias[filter] * scale[filter] + shift[filter]
            }
            last = norm
        }
        let fused = activationAfter(last)
        let window = Self.window(conv, inShape: inShape, outShape: shape)
        let source = read(node.inputs[0])
        let value = newValue(shape.reduce(1, *))
        let k = conv.kernel
        if isDepthwise {
            // [C, 1, k, k] → [k·k, C]
            var taps = [Float](repeating: 0, count: w.count)
            for channel in 0..<conv.outChannels { for tap in 0..<k * k { taps[tap * conv.outChannels + channel] = w[channel * k * k + tap] } }
            emit(DepthwiseConvolution(
                input: source, output: value, window: window, channels: conv.outChannels, weights: taps, bias: bias,
                epilogue: Epilogue(bias: nil, activation: fused?.activation)))
        } else {
            // [O, I, k, k] → [O, k, k, I]
            let i = conv.inChannels
            var reordered = [Float](repeating: 0, count: w.count)
            for o in 0..<conv.outChannels {
                for c in 0..<i { for tap in 0..<k * k { reordered[(o * k * k + tap) * i + c] = w[(o * i + c) * k * k + tap] } }
            }
            let depth = k * k * i
            let kernel = Convolution(
                input: source, output: value, window: window, inChannels: i, outChannels: conv.outChannels, weights: reordered,
                epilogue: Epilogue(bias: bias, activation: fused?.activation), tileRows: Convolution.tileRows(depth: depth))
            scratchNeeded = max(scratchNeeded, kernel.scratchNeeded)
            emit(kernel)
        }
        return finish(value, from: index, through: fused?.node ?? (last == index ? nil : last))
    }

    /// The window of `conv`, its padding resolved: symmetric, or TensorFlow's SAME (the odd
    /// pixel at the bottom and right).
    static func window(_ conv: Op.Conv2D, inShape: [Int], outShape: [Int]) -> Window {
        func padding(_ size: Int, _ out: Int) -> Int {
            switch conv.padding {
            case .symmetric(let pad): pad
            case .same: max((out - 1) * conv.stride + conv.kernel - size, 0) / 2
            }
        }
        return Window(
            inHeight: inShape[1], inWidth: inShape[2], outHeight: outShape[1], outWidth: outShape[2], kernel: conv.kernel, stride: conv.stride,
            padTop: padding(inShape[1], outShape[1]), padLeft: padding(inShape[2], outShape[2]))
    }
}
