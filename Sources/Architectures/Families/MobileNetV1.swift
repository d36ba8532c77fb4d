/// MobileNet V1 at width 1.0 as timm builds it (`mobilenetv1_100`; keras.applications' MobileNet
/// has the same layers under other names and with TF padding). Stages are resolution levels.
public enum MobileNetV1 {
    /// (output channels, repeats, first stride) per timm stage.
    static let stages = [(64, 1, 1), (128, 2, 2), (256, 2, 2), (512, 6, 2), (1024, 2, 2)]

    public static func graph(numClasses: Int? = 1000) -> ModelGraph {
        var b = GraphBuilder()
        b.timmStem(32, padding: 1, epsilon: 1e-5, activation: .relu6)
        var channels = 32
        for (stage, (outChannels, repeats, firstStride)) in stages.enumerated() {
            for index in 0..<repeats {
                let stride = index == 0 ? firstStride : 1
                b.beginBlock(stride: stride)
                b.timmDepthwiseSeparable(
                    "blocks.\(stage).\(index)", channels, outChannels, kernel: 3, stride: stride, padding: 1,
                    epsilon: 1e-5, activation: .relu6, pointwiseActivation: true, skip: false)
                channels = outChannels
            }
        }
        b.timmClassifier(channels, numClasses: numClasses)
        return b.graph(name: "mobilenetv1_100", input: .image(channels: 3, size: 224))
    }
}
