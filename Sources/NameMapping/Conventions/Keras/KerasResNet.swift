import Architectures

/// keras.applications' ResNet50/101/152 (ResNet v1), named from torchvision's graph: `conv1_conv`,
/// `conv1_bn`; bottleneck `layer{s}.{i}` is `conv{s+1}_block{i+1}_`, its `conv{k}`/`bn{k}` are
/// `{k}_conv`/`{k}_bn` and its shortcut (`downsample.0`/`.1`) is `0_conv`/`0_bn`; `fc` is
/// `predictions`. Every Keras convolution has a bias that torchvision's lack.
enum KerasResNet {
    /// Keras's batch-norms use ε 1.001e-5; its bottlenecks stride on the first 1×1 convolution.
    static let differences: [FunctionDifference] = [.batchNormEpsilon(1.001e-5), .strideOnFirstBottleneckConvolution]

    static func layers(_ graph: ModelGraph) -> [KerasLayer] {
        var layers: [KerasLayer] = [], block: [(place: Int, layer: KerasLayer)] = [], blockName = ""
        func endBlock() {
            layers += block.sorted { $0.place < $1.place }.map(\.layer)
            block = []
        }
        for (index, node) in graph.nodes.enumerated() where !node.op.parameters.isEmpty {
            let parts = node.name.split(separator: ".").map(String.init)
            let name = parts.count > 2 ? parts[0] + "." + parts[1] : ""
            if name != blockName {
                endBlock()
                blockName = name
            }
            if case .linear = node.op {
                layers.append(KerasLayer("predictions", node))
            } else if parts.count == 1 {
                layers.append(layer("conv1_", index, graph))
            } else {
                let k = parts[2] == "downsample" ? 0 : Int(parts[2].filter(\.isNumber))!
                let prefix = "conv\(Int(parts[0].filter(\.isNumber))! + 1)_block\(Int(parts[1])! + 1)_\(k)_"
                block.append((place(k, isNorm: KerasLayer.isNorm(node)), layer(prefix, index, graph)))
            }
        }
        endBlock()
        return layers
    }

    /// Where layer `k` of a block comes in Keras's list, which orders a functional model's layers
    /// by their distance from its output: the shortcut's convolution and batch-norm are level with
    /// the third ones and were created first — `1_conv 1_bn 2_conv 2_bn 0_conv 3_conv 0_bn 3_bn`.
    private static func place(_ k: Int, isNorm: Bool) -> Int {
        switch k {
        case 0: isNorm ? 6 : 4
        case 3: isNorm ? 7 : 5
        default: 2 * (k - 1) + (isNorm ? 1 : 0)
        }
    }

    /// `prefix` + `bn`, or + `conv` with a bias folded into the batch-norm that reads it.
    private static func layer(_ prefix: String, _ index: Int, _ graph: ModelGraph) -> KerasLayer {
        let node = graph.nodes[index]
        if KerasLayer.isNorm(node) { return KerasLayer(prefix + "bn", node) }
        var layer = KerasLayer(prefix + "conv", node)
        layer.foldsBiasInto = graph.nodes.first { $0.inputs == [index] && KerasLayer.isNorm($0) }!.name
        return layer
    }
}
