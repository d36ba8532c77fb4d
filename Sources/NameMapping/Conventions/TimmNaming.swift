import Architectures

/// timm's state dicts. The timm-native models (`mobilenetv1_100`, `tf_efficientnet_lite*`) are
/// canonical, and timm's ResNets name and compute exactly as torchvision's (v1.5, ε 1e-5). For
/// the other torchvision families timm has models of its own, the same function under other
/// names: `vgg*` (the classifier as convolutions: `pre_logits.fc1` 7×7, `pre_logits.fc2` 1×1,
/// `head.fc`), `mobilenetv2_100` and `mobilenetv3_{large,small}_100` (timm's EfficientNet blocks,
/// `blocks.<stage>.<index>`; MobileNet V3's pre-classifier linear layer is the 1×1 `conv_head`
/// after pooling). timm's MobileNets keep batch-norm's default ε 1e-5 where torchvision's
/// MobileNet V3 uses 1e-3. formats/conventions/timm has the lists and logits this is checked on.
struct TimmNaming: ConventionNaming {
    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        switch model.namingFamily {
        case "vgg": vgg(model, graph)
        case "mobilenet_v2", "mobilenet_v3": mobileNet(model, graph)
        default: CanonicalNaming(convention: .timm, families: ["resnet", "mobilenet_v1", "efficientnet_lite"]).layout(of: model, graph: graph)
        }
    }

    /// `features.N` as torchvision's; the linear layers before the classifier as convolutions over
    /// the map they read (timm's `ConvMlp`), the same function at the registry's 224×224 input.
    private func vgg(_ model: RegisteredModel, _ graph: ModelGraph) -> ConventionLayout {
        var builder = LayoutBuilder(.timm, model, graph)
        let shapes = graph.shapes()
        let hidden = graph.nodes.indices.filter { graph.nodes[$0].op.isLinear && $0 != graph.classifier }
        for parameter in graph.parameters {
            let node = graph.nodes[parameter.node]
            guard node.op.isLinear else {
                builder.map(parameter.name, to: parameter.name)
                continue
            }
            let suffix = parameter.name.dropFirst(node.name.count)
            if parameter.node == graph.classifier {
                builder.map(parameter.name, to: "head.fc" + suffix)
                continue
            }
            var transform = LayoutTransform.identity
            if suffix == ".weight" {
                // What the linear layer reads: a flattened map, or a vector (a 1×1 map).
                let input = graph.nodes[node.inputs[0]]
                let map = input.op == .flatten ? shapes[input.inputs[0]] : []
                transform = map.count == 3
                    ? .linearToSpatialConvolution(parameter.spec.shape, map: map)
                    : .linearToConvolution(parameter.spec.shape)
            }
            builder.map(parameter.name, to: "pre_logits.fc\(hidden.firstIndex(of: parameter.node)! + 1)" + suffix, transform)
        }
        return builder.finish()
    }

    /// timm's `mobilenetv2_100` and `mobilenetv3_*_100`: the same blocks, numbered by stage.
    private func mobileNet(_ model: RegisteredModel, _ graph: ModelGraph) -> ConventionLayout? {
        guard let network = MobileNetwork(graph) else { return nil }
        // MobileNet V3 is timm's `MobileNetV3` class (the final convolution a block of its own);
        // V2 is its `EfficientNet` class (the final convolution `conv_head`, `bn2`).
        let finalIsBlock = model.namingFamily == "mobilenet_v3"
        var builder = LayoutBuilder(.timm, model, graph)
        for parameter in graph.parameters {
            let node = graph.nodes[parameter.node]
            let part = network.parts[parameter.node]!
            let suffix = parameter.name.dropFirst(node.name.count)
            let transform: LayoutTransform = part.role == .hiddenLinear && suffix == ".weight" ? .linearToConvolution(parameter.spec.shape) : .identity
            builder.map(parameter.name, to: Self.module(part, network: network, finalIsBlock: finalIsBlock) + suffix, transform)
        }
        return builder.finish(differences: [.batchNormEpsilon(1e-5)])
    }

    /// timm's module path for a part of a MobileNet: blocks with an expansion are timm's
    /// `InvertedResidual`, those without its `DepthwiseSeparableConv`.
    private static func module(_ part: MobileNetwork.Part, network: MobileNetwork, finalIsBlock: Bool) -> String {
        let norm = part.isNorm, expands = part.block?.expands == true
        let block = part.block.map { "blocks.\($0.stage).\($0.index)." } ?? ""
        switch part.role {
        case .stem: return norm ? "bn1" : "conv_stem"
        case .final: return finalIsBlock ? "blocks.\(network.stages).0." + (norm ? "bn1" : "conv") : (norm ? "bn2" : "conv_head")
        case .hiddenLinear: return "conv_head"
        case .classifier: return "classifier"
        case .expand: return block + (norm ? "bn1" : "conv_pw")
        case .depthwise: return block + (norm ? (expands ? "bn2" : "bn1") : "conv_dw")
        case .squeeze: return block + "se.conv_reduce"
        case .excite: return block + "se.conv_expand"
        case .project: return block + (expands ? (norm ? "bn3" : "conv_pwl") : (norm ? "bn2" : "conv_pw"))
        }
    }
}

extension Op {
    var isLinear: Bool {
        if case .linear = self { return true }
        return false
    }
}
