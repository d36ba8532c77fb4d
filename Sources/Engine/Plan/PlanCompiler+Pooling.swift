import Architectures

extension PlanCompiler {
    /// Compiles max and adaptive average pooling, and the flatten that turns an NHWC map into PyTorch's feature vector.
    mutating func pooling(_ index: Int) throws -> Int {
        let node = graph.nodes[index], shape = shapes[index]
        let perSample = shape.reduce(1, *)
        switch node.op {
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
        default:
            preconditionFailure("\(node.op) is not a pooling operation")
        }
    }
}
