import Architectures
import CheckpointFormats

/// keras.applications' CNNs (MobileNet V1/V2/V3, ResNet50/101/152, VGG16/19), in either file Keras
/// writes: a legacy `.h5` names each weight `layer/weight` in layer order; a Keras 3
/// `.weights.h5` names it by class and position, `layers/<class>[_<k>]/vars/<i>`, where `k`
/// counts the model's earlier layers of the same class, listed in zoo's order of HDF5 children.
struct KerasApplicationsNaming: ConventionNaming {
    let convention: Convention

    /// The registry models keras.applications builds (it has no ResNet18/34, VGG11/13 or
    /// batch-normalised VGG, and no EfficientNet-Lite).
    static let models: Set = [
        "mobilenetv1_100", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
        "resnet50", "resnet101", "resnet152", "vgg16", "vgg19",
    ]

    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        guard let (layers, differences) = Self.layers(of: model, graph: graph) else { return nil }
        return layout(layers, model, graph, differences: differences)
    }

    /// keras.applications' weighted layers for `model`'s graph, in its models' layer order, and
    /// how those models compute differently from the registry's.
    static func layers(of model: RegisteredModel, graph: ModelGraph) -> (layers: [KerasLayer], differences: [FunctionDifference])? {
        guard models.contains(model.name) else { return nil }
        switch model.namingFamily {
        case "mobilenet_v1": return (KerasMobileNet.v1(graph), KerasMobileNet.differences)
        case "mobilenet_v2": return (KerasMobileNet.v2(graph), KerasMobileNet.differences)
        case "mobilenet_v3": return (KerasMobileNet.v3(graph), KerasMobileNet.differences)
        case "resnet": return (KerasResNet.layers(graph), KerasResNet.differences)
        case "vgg": return (KerasVGG.layers(graph), [])
        default: return nil
        }
    }

    /// The file of a model whose weighted layers are `layers`, in its `model.layers` order (which
    /// numbers a Keras 3 file's groups), computing with `differences`.
    func layout(_ layers: [KerasLayer], _ model: RegisteredModel, _ graph: ModelGraph, differences: [FunctionDifference]) -> ConventionLayout {
        let groups = keras3Groups(layers)
        let ordered = convention == .keras3 ? layers.sorted { KerasNaming.childOrder(groups[$0.name]!, groups[$1.name]!) } : layers
        func fileName(_ layer: KerasLayer, _ index: Int, _ weight: KerasLayer.Weight) -> String {
            convention == .keras3 ? "layers/\(groups[layer.name]!)/vars/\(index)" : "\(layer.name)/\(weight.name)"
        }
        // Each batch-norm mean that a zero convolution bias is folded into, and that bias's name.
        var foldedBiases: [String: String] = [:]
        for layer in layers {
            for (index, weight) in layer.weights.enumerated() {
                if case .foldedBias(_, _, let mean) = weight { foldedBiases[mean] = fileName(layer, index, weight) }
            }
        }
        var builder = LayoutBuilder(convention, model, graph)
        for layer in ordered {
            for (index, weight) in layer.weights.enumerated() {
                let name = fileName(layer, index, weight)
                switch weight {
                case .parameter(_, let canonical, let transform):
                    if let bias = foldedBiases[canonical] {
                        // BN(x + b) with mean μ is BN(x) with mean μ − b.
                        builder.extra(name, shape: builder.parameter(canonical).spec.shape, export: .tensor(canonical),
                                      fold: [canonical: .difference(.tensor(name), .tensor(bias))])
                    } else {
                        builder.map(canonical, to: name, transform)
                    }
                case .foldedBias(_, let channels, _):
                    builder.extra(name, shape: [channels], export: .filled(value: 0, shape: [channels], dtype: .f32))
                }
            }
            if layer.kind == .batchNormalization { builder.omit(layer.node.name + ".num_batches_tracked") }
        }
        return builder.finish(differences: differences)
    }

    /// Each layer's group under `layers/` in a Keras 3 file: its class's name, numbered from the
    /// second layer of that class on (Keras counts every layer of the class; the classes here
    /// always hold weights, so the layers with weights are all of them).
    private func keras3Groups(_ layers: [KerasLayer]) -> [String: String] {
        var seen: [KerasLayer.Kind: Int] = [:]
        var groups: [String: String] = [:]
        for layer in layers {
            let count = seen[layer.kind, default: 0]
            seen[layer.kind] = count + 1
            groups[layer.name] = layer.kind.rawValue + (count == 0 ? "" : "_\(count)")
        }
        return groups
    }
}
