/// torchvision's MobileNet V3, small and large. Freeze groups: `features.0` is the stem, stages
/// are resolution levels (`GraphBuilder.beginBlock`; the final 1×1 convolution joins the last),
/// the classifier is the head.
public enum MobileNetV3 {
    public enum Size: String, Sendable, CaseIterable { case small, large }

    /// (kernel, expanded, out, squeeze-excite, hard-swish, stride): torchvision's configuration.
    typealias Block = (kernel: Int, expanded: Int, out: Int, se: Bool, hardswish: Bool, stride: Int)

    static func blocks(_ size: Size) -> (blocks: [Block], lastChannel: Int) {
        switch size {
        case .large:
            ([(3, 16, 16, false, false, 1), (3, 64, 24, false, false, 2), (3, 72, 24, false, false, 1),
              (5, 72, 40, true, false, 2), (5, 120, 40, true, false, 1), (5, 120, 40, true, false, 1),
              (3, 240, 80, false, true, 2), (3, 200, 80, false, true, 1), (3, 184, 80, false, true, 1),
              (3, 184, 80, false, true, 1), (3, 480, 112, true, true, 1), (3, 672, 112, true, true, 1),
              (5, 672, 160, true, true, 2), (5, 960, 160, true, true, 1), (5, 960, 160, true, true, 1)], 1280)
        case .small:
            ([(3, 16, 16, true, false, 2), (3, 72, 24, false, false, 2), (3, 88, 24, false, false, 1),
              (5, 96, 40, true, true, 2), (5, 240, 40, true, true, 1), (5, 240, 40, true, true, 1),
              (5, 120, 48, true, true, 1), (5, 144, 48, true, true, 1), (5, 288, 96, true, true, 2),
              (5, 576, 96, true, true, 1), (5, 576, 96, true, true, 1)], 1024)
        }
    }

    public static func graph(_ size: Size, numClasses: Int? = 1000) -> ModelGraph {
        // torchvision: BatchNorm2d(eps=0.001, momentum=0.01)
        let epsilon = 0.001, momentum = 0.01
        let (blocks, lastChannel) = blocks(size)
        var b = GraphBuilder()
        b.convNormActivation("features.0", 3, 16, kernel: 3, stride: 2, epsilon: epsilon, momentum: momentum, activation: .hardswish)
        var channels = 16
        for (offset, block) in blocks.enumerated() {
            b.beginBlock(stride: block.stride)
            let index = offset + 1, input = b.nodes.count - 1
            let activation: Activation = block.hardswish ? .hardswish : .relu
            var position = 0
            func next() -> String { defer { position += 1 }; return "features.\(index).block.\(position)" }
            if block.expanded != channels {
                b.convNormActivation(next(), channels, block.expanded, kernel: 1, epsilon: epsilon, momentum: momentum, activation: activation)
            }
            var x = b.convNormActivation(
                next(), block.expanded, block.expanded, kernel: block.kernel, stride: block.stride, groups: block.expanded,
                epsilon: epsilon, momentum: momentum, activation: activation)
            if block.se {
                x = b.squeezeExcitation(next(), block.expanded, squeeze: makeDivisible(Double(block.expanded) / 4), gate: .hardsigmoid, from: x)
            }
            let out = b.convNormActivation(next(), block.expanded, block.out, kernel: 1, epsilon: epsilon, momentum: momentum, activation: nil, from: x)
            if block.stride == 1 && channels == block.out { b.add("features.\(index).add", .add, [out, input]) }
            channels = block.out
        }
        b.convNormActivation("features.\(blocks.count + 1)", channels, 6 * channels, kernel: 1, epsilon: epsilon, momentum: momentum, activation: .hardswish)
        b.group = .head
        b.globalAveragePool()
        if let numClasses {
            b.add("classifier.0", .linear(inFeatures: 6 * channels, outFeatures: lastChannel, bias: true))
            b.add("classifier.1", .activation(.hardswish))
            b.add("classifier.2", .dropout(probability: 0.2))
            b.add("classifier.3", .linear(inFeatures: lastChannel, outFeatures: numClasses, bias: true))
        }
        return b.graph(name: "mobilenet_v3_\(size.rawValue)", input: .image(channels: 3, size: 224))
    }
}
