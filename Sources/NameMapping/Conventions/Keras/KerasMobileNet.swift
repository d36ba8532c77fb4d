import Architectures

/// keras.applications' MobileNet (V1), MobileNetV2 and MobileNetV3Small/Large, named from the
/// registry's timm (V1) and torchvision (V2, V3) graphs. Keras's layers hold the same modules in
/// the same order, so each name follows from the node's place: its block, and its role there.
enum KerasMobileNet {
    /// Keras's batch-norms use ε 1e-3 (torchvision's V3 already does); its stride-2 convolutions pad
    /// TensorFlow's way, `padding="same"` or `ZeroPadding2D(correct_pad)` — (0, 1) for a 3×3, (1, 2)
    /// for a 5×5 on the even sizes of a 224 input, which is SAME's split.
    static let differences: [FunctionDifference] = [.batchNormEpsilon(1e-3), .samePaddingWhenStrided]

    /// MobileNet: `conv1`, then per depthwise-separable block k = 1…13 `conv_dw_k`, `conv_pw_k`,
    /// each with `_bn`; the classifier is the 1×1 convolution `conv_preds`.
    static func v1(_ graph: ModelGraph) -> [KerasLayer] {
        var layers: [KerasLayer] = [], block = 0
        for node in weighted(graph) {
            switch node.op {
            case .linear: layers.append(KerasLayer("conv_preds", node, as: .conv2D))
            case .conv2d(let conv) where node.name.hasPrefix("blocks."):
                if conv.isDepthwise { block += 1 }
                layers.append(KerasLayer("conv_\(conv.isDepthwise ? "dw" : "pw")_\(block)", node))
            case .conv2d: layers.append(KerasLayer("conv1", node))
            default: layers.append(KerasLayer(layers.last!.name + "_bn", node))
            }
        }
        return layers
    }

    /// MobileNetV2: `Conv1`/`bn_Conv1`; block b's `expand`, `depthwise`, `project` under
    /// `expanded_conv_` (b = 0) or `block_b_`, each with `_BN`; `Conv_1`/`Conv_1_bn`; `predictions`.
    static func v2(_ graph: ModelGraph) -> [KerasLayer] {
        let last = lastFeature(graph)
        return invertedResiduals(graph, linearAs: .dense) { node, block, role in
            switch (block, node.op) {
            case (_, .linear): "predictions"
            case (0, .conv2d): "Conv1"
            case (0, _): "bn_Conv1"
            case (last, .conv2d): "Conv_1"
            case (last, _): "Conv_1_bn"
            case (let b, _): (b == 1 ? "expanded_conv_" : "block_\(b - 1)_") + role + (KerasLayer.isNorm(node) ? "_BN" : "")
            }
        }
    }

    /// MobileNetV3: `conv`/`conv_bn`; block b's `expand`, `depthwise`, `squeeze_excite_conv`,
    /// `squeeze_excite_conv_1`, `project` under `expanded_conv_` (b = 0) or `expanded_conv_b_`,
    /// batch-norms with `_bn`; `conv_1`/`conv_1_bn`; then the classifier's two linear layers as
    /// the 1×1 convolutions `conv_2` and `logits` that follow Keras's pooling.
    static func v3(_ graph: ModelGraph) -> [KerasLayer] {
        let last = lastFeature(graph), classifier = graph.classifier.map { graph.nodes[$0].name }
        return invertedResiduals(graph, linearAs: .conv2D) { node, block, role in
            switch (block, node.op) {
            case (_, .linear): node.name == classifier ? "logits" : "conv_2"
            case (0, _): "conv" + (KerasLayer.isNorm(node) ? "_bn" : "")
            case (last, _): "conv_1" + (KerasLayer.isNorm(node) ? "_bn" : "")
            case (let b, _): (b == 1 ? "expanded_conv_" : "expanded_conv_\(b - 1)_") + role + (KerasLayer.isNorm(node) ? "_bn" : "")
            }
        }
    }

    /// The weighted nodes of a torchvision MobileNet, linear ones stored as `linearAs`, named by
    /// `name(node, block, role)`: `block`
    /// is N of `features.N` (−1 in the classifier); `role` is the convolution's part of an inverted
    /// residual — `expand` before the depthwise, `depthwise`, `squeeze_excite_conv` and `…_1` (the
    /// convolutions with biases), `project` after — and a batch-norm's is its convolution's.
    private static func invertedResiduals(_ graph: ModelGraph, linearAs: KerasLayer.Kind, name: (Node, Int, String) -> String) -> [KerasLayer] {
        var layers: [KerasLayer] = []
        var role = "", block = -1, seenDepthwise = false, squeezes = 0
        for node in weighted(graph) {
            let parts = node.name.split(separator: ".")
            let current = parts[0] == "features" ? Int(parts[1])! : -1
            if current != block { (block, seenDepthwise, squeezes) = (current, false, 0) }
            if case .conv2d(let conv) = node.op {
                if conv.isDepthwise {
                    (role, seenDepthwise) = ("depthwise", true)
                } else if conv.bias {
                    role = "squeeze_excite_conv" + (squeezes == 0 ? "" : "_\(squeezes)")
                    squeezes += 1
                } else {
                    role = seenDepthwise ? "project" : "expand"
                }
            }
            layers.append(KerasLayer(name(node, block, role), node, as: linearAs))
        }
        return layers
    }

    /// The graph's nodes with parameters, in order.
    private static func weighted(_ graph: ModelGraph) -> [Node] { graph.nodes.filter { !$0.op.parameters.isEmpty } }

    /// N of the last `features.N`: the final 1×1 convolution before pooling.
    private static func lastFeature(_ graph: ModelGraph) -> Int {
        graph.nodes.compactMap { node in
            let parts = node.name.split(separator: ".")
            return parts.count > 1 && parts[0] == "features" ? Int(parts[1]) : nil
        }.max()!
    }
}
