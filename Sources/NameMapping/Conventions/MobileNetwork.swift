import Architectures

/// A mobile network's parameterized nodes (MobileNet V2/V3, EfficientNet-Lite) by the part each
/// plays, found from the graph's structure alone: the stem convolution; blocks, each centred on a
/// depthwise convolution, with a 1×1 expansion before it and squeeze-and-excitation's biased 1×1
/// convolutions and a 1×1 projection after it; the final 1×1 convolution; the head's linear
/// layers. Batch-norms play the part of the convolution they read. Conventions that number these
/// networks' blocks their own way (timm by stage, lukemelas across the network) name the parts.
struct MobileNetwork {
    enum Role { case stem, expand, depthwise, squeeze, excite, project, final, hiddenLinear, classifier }

    /// Where a block sits: `number` counts blocks across the network; `stage` counts runs of
    /// blocks with the same output channels (timm's stages), `index` the block within its run.
    struct Block {
        let number: Int, stage: Int, index: Int
        let expands: Bool
    }

    struct Part {
        let role: Role
        let block: Block?
        let isNorm: Bool
    }

    /// Each parameterized node's part, by node index.
    let parts: [Int: Part]
    /// How many stages the blocks form.
    let stages: Int

    /// Nil when the graph is not such a network (a parameterized node plays no part).
    init?(_ graph: ModelGraph) {
        let convs = graph.nodes.indices.compactMap { index -> (Int, Op.Conv2D)? in
            if case .conv2d(let conv) = graph.nodes[index].op { return (index, conv) }
            return nil
        }
        guard let stem = convs.first else { return nil }
        var parts: [Int: Part] = [stem.0: Part(role: .stem, block: nil, isNorm: false)]
        var cursor = 1, number = 0, stage = 0, index = 0, channels: Int?
        while cursor < convs.count {
            let expands = !convs[cursor].1.isDepthwise
            if expands && !(cursor + 1 < convs.count && convs[cursor + 1].1.isDepthwise) {
                // A 1×1 convolution no depthwise one follows: the final convolution, the last one.
                guard cursor == convs.count - 1 else { return nil }
                parts[convs[cursor].0] = Part(role: .final, block: nil, isNorm: false)
                break
            }
            var roles: [Role] = expands ? [.expand, .depthwise] : [.depthwise]
            var next = cursor + roles.count
            if next + 1 < convs.count, convs[next].1.bias, convs[next + 1].1.bias {
                roles += [.squeeze, .excite]
                next += 2
            }
            guard next < convs.count, convs[next].1.kernel == 1, !convs[next].1.bias else { return nil }
            roles.append(.project)
            let out = convs[next].1.outChannels
            if let channels, channels != out { (stage, index) = (stage + 1, 0) } else if channels != nil { index += 1 }
            channels = out
            let block = Block(number: number, stage: stage, index: index, expands: expands)
            for (offset, role) in roles.enumerated() { parts[convs[cursor + offset].0] = Part(role: role, block: block, isNorm: false) }
            number += 1
            cursor = next + 1
        }
        for (index, node) in graph.nodes.enumerated() {
            switch node.op {
            case .batchNorm:
                guard let conv = parts[node.inputs[0]] else { return nil }
                parts[index] = Part(role: conv.role, block: conv.block, isNorm: true)
            case .linear:
                parts[index] = Part(role: index == graph.classifier ? .classifier : .hiddenLinear, block: nil, isNorm: false)
            default:
                guard node.op.parameters.isEmpty || parts[index] != nil else { return nil }
            }
        }
        self.parts = parts
        stages = channels == nil ? 0 : stage + 1
    }
}
