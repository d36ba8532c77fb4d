/// The blocks of timm's EfficientNet-style networks (`timm.models._efficientnet_blocks`), named
/// as timm names them. The activation follows its batch-norm (timm's `BatchNormAct2d`).
extension GraphBuilder {
    /// `DepthwiseSeparableConv`: `conv_dw`, `bn1`+act, `conv_pw`, `bn2` (+act when `pointwiseActivation`).
    mutating func timmDepthwiseSeparable(
        _ name: String, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int, padding: Op.Padding,
        epsilon: Double, activation: Activation, pointwiseActivation: Bool, skip: Bool
    ) {
        let input = nodes.count - 1
        add("\(name).conv_dw", .conv2d(.init(inChannels, inChannels, kernel: kernel, stride: stride, padding: padding, groups: inChannels)))
        add("\(name).bn1", .batchNorm(channels: inChannels, epsilon: epsilon))
        add("\(name).bn1.act", .activation(activation))
        add("\(name).conv_pw", .conv2d(.init(inChannels, outChannels, kernel: 1)))
        let out = add("\(name).bn2", .batchNorm(channels: outChannels, epsilon: epsilon))
        if pointwiseActivation { add("\(name).bn2.act", .activation(activation)) }
        if skip && stride == 1 && inChannels == outChannels { add("\(name).add", .add, [out, input]) }
    }

    /// `InvertedResidual` without squeeze-excitation: `conv_pw`, `bn1`+act, `conv_dw`, `bn2`+act,
    /// `conv_pwl`, `bn3`, and the residual when shapes allow.
    mutating func timmInvertedResidual(
        _ name: String, _ inChannels: Int, _ outChannels: Int, expansion: Int, kernel: Int, stride: Int, padding: Op.Padding,
        epsilon: Double, activation: Activation
    ) {
        let input = nodes.count - 1, hidden = inChannels * expansion
        add("\(name).conv_pw", .conv2d(.init(inChannels, hidden, kernel: 1)))
        add("\(name).bn1", .batchNorm(channels: hidden, epsilon: epsilon))
        add("\(name).bn1.act", .activation(activation))
        add("\(name).conv_dw", .conv2d(.init(hidden, hidden, kernel: kernel, stride: stride, padding: padding, groups: hidden)))
        add("\(name).bn2", .batchNorm(channels: hidden, epsilon: epsilon))
        add("\(name).bn2.act", .activation(activation))
        add("\(name).conv_pwl", .conv2d(.init(hidden, outChannels, kernel: 1)))
        let out = add("\(name).bn3", .batchNorm(channels: outChannels, epsilon: epsilon))
        if stride == 1 && inChannels == outChannels { add("\(name).add", .add, [out, input]) }
    }

    /// timm's stem: `conv_stem`, `bn1`+act.
    mutating func timmStem(_ outChannels: Int, padding: Op.Padding, epsilon: Double, activation: Activation) {
        add("conv_stem", .conv2d(.init(3, outChannels, kernel: 3, stride: 2, padding: padding)))
        add("bn1", .batchNorm(channels: outChannels, epsilon: epsilon))
        add("bn1.act", .activation(activation))
    }

    /// timm's head: global pooling and `classifier` (when there is one).
    mutating func timmClassifier(_ features: Int, numClasses: Int?) {
        group = .head
        globalAveragePool("global_pool")
        if let numClasses { add("classifier", .linear(inFeatures: features, outFeatures: numClasses, bias: true)) }
    }
}
