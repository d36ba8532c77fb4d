import Architectures

extension PlanCompiler {
    /// Compiles batch-norms no convolution absorbed, activations on their own, residual sums, channel gates and dropout (an alias at inference), each ending in whatever activation follows it.
    mutating func pointwise(_ index: Int) throws -> Int {
        let node = graph.nodes[index], shape = shapes[index]
        let perSample = shape.reduce(1, *)
        switch node.op {
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
        case .dropout:
            return alias(index)
        default:
            preconditionFailure("\(node.op) is not a pointwise operation")
        }
    }
}
