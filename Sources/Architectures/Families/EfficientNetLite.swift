/// EfficientNet-Lite0…4 as timm ports Google's TF models (`tf_efficientnet_lite*`): no
/// squeeze-excitation, ReLU6, TF "SAME" padding, batch-norm ε 1e-3, stem and head widths fixed,
/// first and last stages never deepened. Stages are resolution levels.
public enum EfficientNetLite {
    /// (width multiplier, depth multiplier, input size) for Lite0…Lite4.
    public static let variants: [(width: Double, depth: Double, size: Int)] = [
        (1.0, 1.0, 224), (1.0, 1.1, 240), (1.1, 1.2, 260), (1.2, 1.4, 300), (1.4, 1.8, 380),
    ]

    /// EfficientNet-B0's stages: (expansion, kernel, first stride, channels, repeats).
    static let stages = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]

    public static func graph(variant: Int, numClasses: Int? = 1000) -> ModelGraph {
        let (width, depth, size) = variants[variant]
        let epsilon = 1e-3
        var b = GraphBuilder()
        b.timmStem(32, padding: .same, epsilon: epsilon, activation: .relu6)
        var channels = 32
        for (stage, (expansion, kernel, firstStride, baseChannels, baseRepeats)) in stages.enumerated() {
            let outChannels = makeDivisible(Double(baseChannels) * width)
            let fixed = stage == 0 || stage == stages.count - 1
            let repeats = fixed ? baseRepeats : Int((Double(baseRepeats) * depth).rounded(.up))
            for index in 0..<repeats {
                let stride = index == 0 ? firstStride : 1
                b.beginBlock(stride: stride)
                let name = "blocks.\(stage).\(index)"
                if expansion == 1 {
                    b.timmDepthwiseSeparable(
                        name, channels, outChannels, kernel: kernel, stride: stride, padding: .same,
                        epsilon: epsilon, activation: .relu6, pointwiseActivation: false, skip: true)
                } else {
                    b.timmInvertedResidual(
                        name, channels, outChannels, expansion: expansion, kernel: kernel, stride: stride, padding: .same,
                        epsilon: epsilon, activation: .relu6)
                }
                channels = outChannels
            }
        }
        b.add("conv_head", .conv2d(.init(channels, 1280, kernel: 1)))
        b.add("bn2", .batchNorm(channels: 1280, epsilon: epsilon))
        b.add("bn2.act", .activation(.relu6))
        b.timmClassifier(1280, numClasses: numClasses)
        return b.graph(name: "tf_efficientnet_lite\(variant)", input: .image(channels: 3, size: size))
    }
}
