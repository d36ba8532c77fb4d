import Architectures

/// One keras.applications layer that holds weights, and the registry node whose parameters it
/// stores. Its class decides its weights: their names, order and layouts.
struct KerasLayer {
    /// The layer classes these models use, as Keras 3 names them in a `.weights.h5`.
    enum Kind: String {
        case conv2D = "conv2d", depthwiseConv2D = "depthwise_conv2d", batchNormalization = "batch_normalization", dense
    }

    /// One weight: Keras's name for it and where its values come from.
    enum Weight {
        /// A canonical parameter under a layout transform.
        case parameter(name: String, canonical: String, LayoutTransform)
        /// A convolution bias the canonical graph lacks (Keras ResNet): zeros on export, folded
        /// into `runningMean` on import.
        case foldedBias(name: String, channels: Int, runningMean: String)

        var name: String {
            switch self {
            case .parameter(let name, _, _), .foldedBias(let name, _, _): name
            }
        }
    }

    let name: String
    let kind: Kind
    let node: Node
    /// A `Dense` after Keras's `Flatten` of this `[C, H, W]` map, which it flattens channels-last.
    var flattens: [Int]? = nil
    /// A convolution whose Keras twin has a bias this node lacks, followed by batch-norm `foldsBiasInto`.
    var foldsBiasInto: String? = nil

    /// A convolution (depthwise when grouped), or a linear node stored as Keras's layer `kind`.
    init(_ name: String, _ node: Node, as kind: Kind? = nil) {
        self.name = name
        self.node = node
        switch node.op {
        case .batchNorm: self.kind = .batchNormalization
        case .conv2d(let conv): self.kind = conv.isDepthwise ? .depthwiseConv2D : .conv2D
        default: self.kind = kind ?? .dense
        }
    }

    static func isNorm(_ node: Node) -> Bool {
        if case .batchNorm = node.op { return true }
        return false
    }

    /// A batch-norm layer's Keras weight names and their canonical suffixes, in Keras's order.
    static let batchNormNames = Array(zip(["gamma", "beta", "moving_mean", "moving_variance"], ["weight", "bias", "running_mean", "running_var"]))

    /// The weights in Keras's order (Keras 3 numbers them `vars/0`, `vars/1`, … in this order).
    var weights: [Weight] {
        let p = node.name
        switch node.op {
        case .batchNorm:
            return Self.batchNormNames.map {
                .parameter(name: $0, canonical: "\(p).\($1)", .identity)
            }
        case .conv2d(let conv):
            let kernel = Weight.parameter(name: "kernel", canonical: "\(p).weight", kind == .depthwiseConv2D ? .depthwiseToHWCM : .convolutionToHWIO)
            if conv.bias { return [kernel, .parameter(name: "bias", canonical: "\(p).bias", .identity)] }
            if let norm = foldsBiasInto { return [kernel, .foldedBias(name: "bias", channels: conv.outChannels, runningMean: "\(norm).running_mean")] }
            return [kernel]
        case .linear(let inFeatures, let outFeatures, let bias):
            let shape = [outFeatures, inFeatures]
            let layout: LayoutTransform = kind == .conv2D ? .linearToHWIOConvolution(shape)
                : flattens.map { .linearToChannelsLastDense(shape, map: $0) } ?? .linearToDense
            return [.parameter(name: "kernel", canonical: "\(p).weight", layout)] + (bias ? [.parameter(name: "bias", canonical: "\(p).bias", .identity)] : [])
        default:
            preconditionFailure("\(p) holds no weights Keras stores")
        }
    }
}
