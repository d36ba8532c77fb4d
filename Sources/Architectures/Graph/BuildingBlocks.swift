extension GraphBuilder {
    /// torchvision's `Conv2dNormActivation`: `name.0` convolution (no bias, "same" padding),
    /// `name.1` batch-norm, then the activation when there is one. Returns the last node.
    @discardableResult
    mutating func convNormActivation(
        _ name: String, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
        epsilon: Double = 1e-5, activation: Activation? = .relu, from input: Int? = nil
    ) -> Int {
        add("\(name).0", .conv2d(.init(inChannels, outChannels, kernel: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups)), input.map { [$0] })
        let norm = add("\(name).1", .batchNorm(channels: outChannels, epsilon: epsilon))
        guard let activation else { return norm }
        return add("\(name).2", .activation(activation))
    }

    /// Global average pooling and flattening, the bridge from features to a classifier.
    @discardableResult
    mutating func globalAveragePool(_ name: String = "avgpool") -> Int {
        add(name, .adaptiveAvgPool(size: 1))
        return add("flatten", .flatten)
    }
}
