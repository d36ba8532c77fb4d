import Architectures
import Foundation

/// A registry graph as a Keras 3 functional model: the `config.json` of a `.keras` archive, whose
/// layers compute exactly the graph's function (its padding, ε and strides, whichever framework's
/// they are), with the weighted layers named and laid out as keras.applications names them. This
/// is how a torchvision MobileNetV2 becomes a Keras model with PyTorch's predictions: its stride-2
/// convolutions pad symmetrically (`ZeroPadding2D` + `"valid"`) instead of TensorFlow's way.
struct KerasFunctionalModel {
    /// One Keras layer: its class, its constructor arguments and the layers it is called on.
    struct Layer {
        let name: String
        let className: String
        let arguments: [String: Any]
        let inbound: [String]
        /// Per-sample output shape, channels-last.
        let shape: [Int]
        /// The weighted layer whose weights this Keras layer holds.
        let weighted: KerasLayer?
    }

    let name: String
    /// In the order they are created (inputs before the layers that read them).
    let layers: [Layer]
    let output: String

    /// Keras's model for `graph` (the function to compute) given keras.applications' weighted
    /// layers for its nodes; throws where a node has no exact Keras equivalent.
    init(name: String, graph: ModelGraph, weighted: [KerasLayer]) throws {
        self.name = name
        let byNode = Dictionary(uniqueKeysWithValues: weighted.map { ($0.node.name, $0) })
        let shapes = graph.shapes()
        var layers: [Layer] = []
        var produced: [String] = []  // node index → the Keras layer whose output it is
        var taken = Set(weighted.map(\.name))
        func unique(_ base: String) -> String {
            var candidate = base, counter = 1
            while taken.contains(candidate) { (candidate, counter) = ("\(base)_\(counter)", counter + 1) }
            taken.insert(candidate)
            return candidate
        }
        for (index, node) in graph.nodes.enumerated() {
            let shape = Self.channelsLast(shapes[index])
            let inputs = node.inputs.map { produced[$0] }
            let inputShape = node.inputs.first.map { Self.channelsLast(shapes[$0]) } ?? shape
            let plain = node.name.replacingOccurrences(of: ".", with: "_")
            // A layer named `layerName`, or `holding` a weighted layer (and named as it), or named after the node.
            func add(
                _ className: String, _ arguments: [String: Any], named layerName: String? = nil, holding weighted: KerasLayer? = nil,
                on inbound: [String]? = nil, shape layerShape: [Int]? = nil
            ) {
                layers.append(Layer(
                    name: layerName ?? weighted?.name ?? unique(plain), className: className, arguments: arguments, inbound: inbound ?? inputs,
                    shape: layerShape ?? shape, weighted: weighted))
            }
            // The input of a weighted layer, padded explicitly where Keras's own padding differs.
            func padded(_ padding: Int, to weightedName: String) -> [String] {
                guard padding > 0 else { return inputs }
                let padName = unique(weightedName + "_pad")
                let paddedShape = [inputShape[0] + 2 * padding, inputShape[1] + 2 * padding, inputShape[2]]
                add("ZeroPadding2D", ["padding": [[padding, padding], [padding, padding]]], named: padName, shape: paddedShape)
                return [padName]
            }
            switch node.op {
            case .input:
                add("InputLayer", ["batch_shape": [NSNull()] + shape.map { $0 as Any }], named: unique("input_layer"), on: [])
            case .conv2d(let conv):
                guard let keras = byNode[node.name] else { throw Self.unsupported(node, "a convolution keras.applications has no layer for") }
                let (padding, explicit) = Self.padding(conv)
                var arguments: [String: Any] = [
                    "kernel_size": [conv.kernel, conv.kernel], "strides": [conv.stride, conv.stride], "padding": padding,
                    "use_bias": keras.weights.count > 1,
                ]
                if keras.kind == .depthwiseConv2D { arguments["depth_multiplier"] = 1 } else { arguments["filters"] = conv.outChannels }
                add(keras.kind == .depthwiseConv2D ? "DepthwiseConv2D" : "Conv2D", arguments, holding: keras, on: padded(explicit, to: keras.name))
            case .batchNorm(_, let epsilon, _):
                guard let keras = byNode[node.name] else { throw Self.unsupported(node, "a batch-norm keras.applications has no layer for") }
                // Keras's momentum weighs the running value, PyTorch's (0.1) the batch's.
                add("BatchNormalization", ["axis": -1, "epsilon": epsilon, "momentum": 0.9], holding: keras)
            case .linear(let inFeatures, let outFeatures, _):
                guard let keras = byNode[node.name] else { throw Self.unsupported(node, "a linear layer keras.applications has no layer for") }
                if keras.kind == .conv2D {
                    // Stored as a 1×1 convolution (MobileNet V1, V3): reshaped around it.
                    let pixel = unique(keras.name + "_pixel")
                    add("Reshape", ["target_shape": [1, 1, inFeatures]], named: pixel, shape: [1, 1, inFeatures])
                    add("Conv2D", ["filters": outFeatures, "kernel_size": [1, 1], "padding": "valid", "use_bias": keras.weights.count > 1],
                        holding: keras, on: [pixel], shape: [1, 1, outFeatures])
                    add("Reshape", ["target_shape": [outFeatures]], named: unique(keras.name + "_vector"), on: [keras.name])
                } else {
                    add("Dense", ["units": outFeatures, "use_bias": keras.weights.count > 1], holding: keras)
                }
            case .activation(let activation):
                switch activation {
                case .relu: add("ReLU", [:])
                case .relu6: add("ReLU", ["max_value": 6.0])
                default: add("Activation", ["activation": try Self.kerasName(activation, node)])
                }
            case .maxPool(let kernel, let stride, let padding):
                // Keras pads with zeros, PyTorch's max-pool with −∞: the same only on non-negative input.
                guard padding == 0 || Self.isNonNegative(graph, node.inputs[0]) else {
                    throw Self.unsupported(node, "a padded max-pool of input that can be negative")
                }
                let inbound = padded(padding, to: plain)
                add("MaxPooling2D", ["pool_size": [kernel, kernel], "strides": [stride, stride], "padding": "valid"], on: inbound)
            case .adaptiveAvgPool(let size):
                if size == 1 {
                    add("GlobalAveragePooling2D", ["keepdims": true])
                } else if inputShape[0] == size && inputShape[1] == size {
                    produced.append(inputs[0])  // already that size: nothing to do
                    continue
                } else {
                    throw Self.unsupported(node, "adaptive pooling to \(size)×\(size) of a \(inputShape[0])×\(inputShape[1]) map")
                }
            case .flatten: add("Flatten", [:])
            case .dropout(let probability): add("Dropout", ["rate": probability])
            case .add: add("Add", [:])
            case .multiply: add("Multiply", [:])
            case .embedding, .layerNorm, .attention, .firstToken:
                throw Self.unsupported(node, "an encoder operation (Keras whole-model files are written for the CNNs)")
            }
            produced.append(layers.last!.name)
        }
        self.layers = layers
        output = produced.last!
    }

    /// The weighted layers in Keras's `model.layers` order: by depth from the output (deepest
    /// first), ties by first visit in a depth-first walk from the output, as Keras's `map_graph`
    /// orders them. A Keras 3 weights file numbers each class's layers in this order.
    var weightedLayerOrder: [KerasLayer] {
        let index = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1.name, $0) })
        var visit: [Int: Int] = [:], postOrder: [Int] = [], finished = Set<Int>()
        func walk(_ layer: Int) {
            guard !finished.contains(layer) else { return }
            if visit[layer] == nil { visit[layer] = visit.count }
            for input in layers[layer].inbound { walk(index[input]!) }
            finished.insert(layer)
            postOrder.append(layer)
        }
        walk(index[output]!)
        var depth: [Int: Int] = [:]
        for layer in postOrder.reversed() {
            let own = depth[layer, default: 0]
            depth[layer] = own
            for input in layers[layer].inbound { depth[index[input]!] = max(own + 1, depth[index[input]!, default: 0]) }
        }
        return postOrder.sorted { (depth[$0]!, -visit[$0]!) > (depth[$1]!, -visit[$1]!) }.compactMap { layers[$0].weighted }
    }

    /// The archive's `config.json`: what `keras.saving.load_model` rebuilds the model from.
    func configJSON() throws -> Data {
        let shapes = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0.shape) })
        func tensor(_ input: String) -> [String: Any] {
            let shape: [Any] = [NSNull()] + shapes[input]!.map { $0 as Any }
            let config: [String: Any] = ["shape": shape, "dtype": "float32", "keras_history": [input, 0, 0] as [Any]]
            return ["class_name": "__keras_tensor__", "config": config]
        }
        func serialized(_ layer: Layer) -> [String: Any] {
            var config = layer.arguments
            config["name"] = layer.name
            config["trainable"] = true
            config["dtype"] = "float32"
            let arguments: [Any] = layer.inbound.map(tensor)
            // A merge layer (Add, Multiply) is called on one list of tensors.
            let args: [Any] = arguments.count == 1 ? arguments : [arguments]
            let calls: [Any] = layer.inbound.isEmpty ? [] : [["args": args, "kwargs": [String: Any]()] as [String: Any]]
            var entry: [String: Any] = ["module": "keras.layers", "class_name": layer.className, "config": config, "name": layer.name]
            entry["registered_name"] = NSNull()
            entry["inbound_nodes"] = calls
            return entry
        }
        let functional: [String: Any] = [
            "name": name, "trainable": true, "layers": layers.map(serialized),
            "input_layers": [layers[0].name, 0, 0] as [Any], "output_layers": [output, 0, 0] as [Any],
        ]
        var model: [String: Any] = ["module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional", "config": functional]
        model["build_config"] = ["input_shape": NSNull()]
        model["compile_config"] = NSNull()
        return try JSONSerialization.data(withJSONObject: model, options: [.sortedKeys])
    }

    /// Keras's padding argument for a convolution, and the zeros to add before it ("valid" after
    /// explicit padding): "same" is symmetric only for an odd kernel at stride 1.
    private static func padding(_ conv: Op.Conv2D) -> (String, Int) {
        switch conv.padding {
        case .same: ("same", 0)
        case .symmetric(0): ("valid", 0)
        case .symmetric(let pad) where conv.stride == 1 && conv.kernel == 2 * pad + 1: ("same", 0)
        case .symmetric(let pad): ("valid", pad)
        }
    }

    private static func kerasName(_ activation: Activation, _ node: Node) throws -> String {
        switch activation {
        case .hardswish: "hard_silu"
        case .hardsigmoid: "hard_sigmoid"  // Keras 3: relu6(x + 3) / 6, as PyTorch's
        case .silu: "silu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "relu"
        case .relu6: "relu6"
        case .gelu, .geluTanh: throw unsupported(node, "GELU")
        }
    }

    /// Whether a node's output is never negative (a ReLU's), so zero padding cannot win a max.
    private static func isNonNegative(_ graph: ModelGraph, _ index: Int) -> Bool {
        if case .activation(let activation) = graph.nodes[index].op { return activation == .relu || activation == .relu6 }
        return false
    }

    private static func channelsLast(_ shape: [Int]) -> [Int] { shape.count == 3 ? [shape[1], shape[2], shape[0]] : shape }

    private static func unsupported(_ node: Node, _ what: String) -> MappingError {
        .unsupportedKerasModel(node: node.name, reason: what)
    }
}

extension KerasFunctionalModel {
    /// The model and weights layout of a `.keras` archive of `model` computing `graph` with
    /// `differences` (the source's: the archive's layers compute whatever the weights were trained
    /// for), or nil when keras.applications has no names for the model.
    static func archive(of model: RegisteredModel, graph: ModelGraph, differences: [FunctionDifference]) throws -> (model: KerasFunctionalModel, layout: ConventionLayout)? {
        guard let (weighted, _) = KerasApplicationsNaming.layers(of: model, graph: graph) else { return nil }
        let functional = try KerasFunctionalModel(name: model.name, graph: graph.applying(differences), weighted: weighted)
        let layout = KerasApplicationsNaming(convention: .keras3).layout(functional.weightedLayerOrder, model, graph, differences: differences)
        return (functional, layout)
    }
}
