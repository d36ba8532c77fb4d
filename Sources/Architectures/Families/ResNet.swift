/// torchvision's ResNet (v1.5: the stride sits on the 3×3 convolution of a bottleneck).
public enum ResNet {
    public static let depths: [Int: (bottleneck: Bool, blocks: [Int])] = [
        18: (false, [2, 2, 2, 2]), 34: (false, [3, 4, 6, 3]), 50: (true, [3, 4, 6, 3]),
        101: (true, [3, 4, 23, 3]), 152: (true, [3, 8, 36, 3]),
    ]

    /// ResNet-`depth` with a `numClasses`-way classifier, or headless (2048/512-d features) when nil.
    public static func graph(depth: Int, numClasses: Int? = 1000) -> ModelGraph {
        let (bottleneck, blocks) = depths[depth]!
        let expansion = bottleneck ? 4 : 1
        var b = GraphBuilder()
        b.add("conv1", .conv2d(.init(3, 64, kernel: 7, stride: 2, padding: 3)))
        b.add("bn1", .batchNorm(channels: 64, epsilon: 1e-5))
        b.add("relu", .activation(.relu))
        b.add("maxpool", .maxPool(kernel: 3, stride: 2, padding: 1))
        var channels = 64
        for (stage, count) in blocks.enumerated() {
            b.group = .stage(stage + 1)
            let planes = 64 << stage
            for index in 0..<count {
                let stride = index == 0 && stage > 0 ? 2 : 1
                let name = "layer\(stage + 1).\(index)"
                let identity = b.nodes.count - 1
                var x = identity
                let widths = bottleneck ? [(channels, planes, 1, 1), (planes, planes, 3, stride), (planes, planes * 4, 1, 1)]
                    : [(channels, planes, 3, stride), (planes, planes, 3, 1)]
                for (position, (inC, outC, kernel, convStride)) in widths.enumerated() {
                    x = b.add("\(name).conv\(position + 1)", .conv2d(.init(inC, outC, kernel: kernel, stride: convStride, padding: .symmetric(kernel / 2))), [x])
                    x = b.add("\(name).bn\(position + 1)", .batchNorm(channels: outC, epsilon: 1e-5))
                    if position < widths.count - 1 { x = b.add("\(name).relu\(position + 1)", .activation(.relu)) }
                }
                var shortcut = identity
                if stride != 1 || channels != planes * expansion {
                    b.add("\(name).downsample.0", .conv2d(.init(channels, planes * expansion, kernel: 1, stride: stride)), [identity])
                    shortcut = b.add("\(name).downsample.1", .batchNorm(channels: planes * expansion, epsilon: 1e-5))
                }
                b.add("\(name).add", .add, [x, shortcut])
                b.add("\(name).relu", .activation(.relu))
                channels = planes * expansion
            }
        }
        b.group = .head
        b.globalAveragePool()
        if let numClasses { b.add("fc", .linear(inFeatures: channels, outFeatures: numClasses, bias: true)) }
        return b.graph(name: "resnet\(depth)", input: .image(channels: 3, size: 224))
    }
}
