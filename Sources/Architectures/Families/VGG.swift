/// torchvision's VGG, plain or with batch-norm. Freeze groups: the first convolution block is
/// the stem, blocks 2–5 are stages 1–4 (each ends with its max-pool), the classifier is the head.
public enum VGG {
    /// Channels per convolution, 0 for a max-pool (torchvision's configurations A, B, D, E).
    public static let configurations: [Int: [Int]] = [
        11: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        13: [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        16: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
        19: [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
    ]

    public static func graph(depth: Int, batchNorm: Bool, numClasses: Int? = 1000) -> ModelGraph {
        var b = GraphBuilder()
        var channels = 3, index = 0, block = 0
        for width in configurations[depth]! {
            if width == 0 {
                b.add("features.\(index)", .maxPool(kernel: 2, stride: 2, padding: 0))
                index += 1
                block += 1
                b.group = .stage(block)
                continue
            }
            b.add("features.\(index)", .conv2d(.init(channels, width, kernel: 3, padding: 1, bias: true)))
            index += 1
            if batchNorm {
                b.add("features.\(index)", .batchNorm(channels: width, epsilon: 1e-5))
                index += 1
            }
            b.add("features.\(index)", .activation(.relu))
            index += 1
            channels = width
        }
        b.group = .head
        b.add("avgpool", .adaptiveAvgPool(size: 7))
        b.add("flatten", .flatten)
        if let numClasses {
            b.add("classifier.0", .linear(inFeatures: 512 * 7 * 7, outFeatures: 4096, bias: true))
            b.add("classifier.1", .activation(.relu))
            b.add("classifier.2", .dropout(probability: 0.5))
            b.add("classifier.3", .linear(inFeatures: 4096, outFeatures: 4096, bias: true))
            b.add("classifier.4", .activation(.relu))
            b.add("classifier.5", .dropout(probability: 0.5))
            b.add("classifier.6", .linear(inFeatures: 4096, outFeatures: numClasses, bias: true))
        }
        return b.graph(name: "vgg\(depth)\(batchNorm ? "_bn" : "")", input: .image(channels: 3, size: 224))
    }
}
