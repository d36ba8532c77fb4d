/// torchvision's MobileNet V2 (width 1.0). Freeze groups: `features.0` is the stem, stages are
/// resolution levels (`GraphBuilder.beginBlock`; the final 1×1 convolution joins the last), the
/// classifier is the head.
public enum MobileNetV2 {
    /// (expansion t, output channels c, repeats n, first stride s), from the paper's Table 2.
    static let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    public static func graph(numClasses: Int? = 1000) -> ModelGraph {
        var b = GraphBuilder()
        b.convNormActivation("features.0", 3, 32, kernel: 3, stride: 2, activation: .relu6)
        var channels = 32, index = 1
        for (expansion, outChannels, repeats, firstStride) in settings {
            for repeatIndex in 0..<repeats {
                let stride = repeatIndex == 0 ? firstStride : 1
                b.beginBlock(stride: stride)
                let input = b.nodes.count - 1
                let hidden = channels * expansion
                let name = "features.\(index).conv"
                var position = 0
                if expansion != 1 {
                    b.convNormActivation("\(name).0", channels, hidden, kernel: 1, activation: .relu6)
                    position = 1
                }
                b.convNormActivation("\(name).\(position)", hidden, hidden, kernel: 3, stride: stride, groups: hidden, activation: .relu6)
                b.add("\(name).\(position + 1)", .conv2d(.init(hidden, outChannels, kernel: 1)))
                let out = b.add("\(name).\(position + 2)", .batchNorm(channels: outChannels, epsilon: 1e-5))
                if stride == 1 && channels == outChannels { b.add("features.\(index).add", .add, [out, input]) }
                channels = outChannels
                index += 1
            }
        }
        b.convNormActivation("features.\(index)", channels, 1280, kernel: 1, activation: .relu6)
        b.group = .head
        b.globalAveragePool()
        if let numClasses {
            b.add("classifier.0", .dropout(probability: 0.2))
            b.add("classifier.1", .linear(inFeatures: 1280, outFeatures: numClasses, bias: true))
        }
        return b.graph(name: "mobilenet_v2", input: .image(channels: 3, size: 224))
    }
}
