extension GraphBuilder {
    /// torchvision's `Conv2dNormActivation`: `name.0` convolution (no bias; padding (k−1)/2 on
    /// every side unless given), `name.1` batch-norm, then the activation when there is one.
    /// Returns the last node.
    @discardableResult
    mutating func convNormActivation(
        _ name: String, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
        padding: Op.Padding? = nil, epsilon: Double = 1e-5, momentum: Double = 0.1, activation: Activation? = .relu, from input: Int? = nil
    ) -> Int {
        let conv = Op.Conv2D(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding ?? .symmetric((kernel - 1) / 2), groups: groups)
        add("\(name).0", .conv2d(conv), input.map { [$0] })
        let norm = add("\(name).1", .batchNorm(channels: outChannels, epsilon: epsilon, momentum: momentum))
        guard let activation else { return norm }
        return add("\(name).2", .activation(activation))
    }

    /// Squeeze-and-excitation on `input` (`channels` wide): pool, `fc1` (to `squeeze`), activation,
    /// `fc2`, gate, scale. Named as torchvision's `SqueezeExcitation`; returns the scaled node.
    @discardableResult
    mutating func squeezeExcitation(_ name: String, _ channels: Int, squeeze: Int, gate: Activation, from input: Int) -> Int {
        add("\(name).avgpool", .adaptiveAvgPool(size: 1), [input])
        add("\(name).fc1", .conv2d(.init(channels, squeeze, kernel: 1, bias: true)))
        add("\(name).activation", .activation(.relu))
        add("\(name).fc2", .conv2d(.init(squeeze, channels, kernel: 1, bias: true)))
        let scale = add("\(name).scale_activation", .activation(gate))
        return add("\(name).scale", .multiply, [input, scale])
    }

    /// Global average pooling and flattening, the bridge from features to a classifier.
    @discardableResult
    mutating func globalAveragePool(_ name: String = "avgpool") -> Int {
        add(name, .adaptiveAvgPool(size: 1))
        return add("flatten", .flatten)
    }
}
