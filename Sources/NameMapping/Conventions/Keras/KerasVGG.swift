import Architectures

/// keras.applications' VGG16/19, named from torchvision's graph: convolution j of block b (blocks
/// end at max-pools) is `block{b}_conv{j}`; the classifier's linear layers are `fc1`, `fc2` and
/// `predictions`. Keras flattens the last `[7, 7, 512]` map channels-last, so `fc1`'s kernel rows
/// are reordered (torchvision's adaptive pooling to 7×7 is the identity on a 224 input).
enum KerasVGG {
    static func layers(_ graph: ModelGraph) -> [KerasLayer] {
        let shapes = graph.shapes()
        var layers: [KerasLayer] = [], block = 1, convolution = 0, dense = 0
        for (index, node) in graph.nodes.enumerated() {
            switch node.op {
            case .maxPool:
                (block, convolution) = (block + 1, 0)
            case .conv2d:
                convolution += 1
                layers.append(KerasLayer("block\(block)_conv\(convolution)", node))
            case .linear:
                dense += 1
                var layer = KerasLayer(index == graph.classifier ? "predictions" : "fc\(dense)", node)
                if case .flatten = graph.nodes[node.inputs[0]].op { layer.flattens = shapes[graph.nodes[node.inputs[0]].inputs[0]] }
                layers.append(layer)
            default:
                continue
            }
        }
        return layers
    }
}
