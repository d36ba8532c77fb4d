import Architectures

extension PlanCompiler {
    /// `scale = γ/√(var+ε)` and `shift = β − mean·scale` of the batch-norm at `index`.
    func batchNorm(_ index: Int, channels: Int, epsilon: Double) throws -> (scale: [Float], shift: [Float]) {
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

    mutating func convolution(_ index: Int, _ conv: Op.Conv2D) throws -> Int {
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
