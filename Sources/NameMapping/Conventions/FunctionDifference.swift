import Architectures

/// A way a framework's "same" model computes a different function from the registry's graph.
/// A convention lists the differences its files carry; applied to the canonical graph they give
/// the graph those files were trained with, so the engine can measure what each costs.
public enum FunctionDifference: Sendable, Equatable, CustomStringConvertible {
    /// Every batch-norm divides by √(σ² + ε) with this ε (Keras: 1e-3; torchvision: 1e-5).
    case batchNormEpsilon(Double)
    /// Convolutions with stride 2 pad TensorFlow's "SAME" way, the odd pixel at the bottom and
    /// right, instead of the same number of zeros on every side.
    case samePaddingWhenStrided
    /// Every convolution pads (k−1)/2 on every side (PyTorch ports of TensorFlow models).
    case symmetricPadding
    /// ResNet v1: a downsampling bottleneck strides on its first 1×1 convolution, not on the 3×3 (v1.5).
    case strideOnFirstBottleneckConvolution
    /// GELU computed with the tanh approximation instead of erf.
    case tanhGELU

    public var description: String {
        switch self {
        case .batchNormEpsilon(let epsilon): "batch-norm ε = \(epsilon)"
        case .samePaddingWhenStrided: "stride-2 convolutions pad asymmetrically (TensorFlow SAME)"
        case .symmetricPadding: "convolutions pad symmetrically, (k−1)/2 on every side"
        case .strideOnFirstBottleneckConvolution: "ResNet v1: bottlenecks stride on the 1×1 convolution (v1.5 strides on the 3×3)"
        case .tanhGELU: "GELU uses the tanh approximation (erf in the reference)"
        }
    }

    /// `graph` as a framework with this difference computes it.
    public func apply(to graph: ModelGraph) -> ModelGraph {
        switch self {
        case .batchNormEpsilon(let epsilon):
            return graph.replacingOps { _, node in
                if case .batchNorm(let channels, _, let momentum) = node.op { return .batchNorm(channels: channels, epsilon: epsilon, momentum: momentum) }
                return node.op
            }
        case .samePaddingWhenStrided, .symmetricPadding:
            return graph.replacingOps { _, node in
                guard case .conv2d(var conv) = node.op else { return node.op }
                if self == .symmetricPadding {
                    conv.padding = .symmetric((conv.kernel - 1) / 2)
                } else if conv.stride > 1 {
                    conv.padding = .same
                }
                return .conv2d(conv)
            }
        case .strideOnFirstBottleneckConvolution:
            // A bottleneck's 3×3 is `….conv2` with a sibling `….conv3`; its stride moves to `….conv1`.
            let names = Set(graph.nodes.map(\.name))
            let strided = Set(graph.nodes.compactMap { node -> String? in
                guard node.name.hasSuffix(".conv2"), case .conv2d(let conv) = node.op, conv.stride > 1,
                      names.contains(String(node.name.dropLast(1)) + "3") else { return nil }
                return String(node.name.dropLast(".conv2".count))
            })
            return graph.replacingOps { _, node in
                guard case .conv2d(var conv) = node.op else { return node.op }
                let block = node.name.split(separator: ".").dropLast().joined(separator: ".")
                guard strided.contains(block) else { return node.op }
                if node.name.hasSuffix(".conv1") { conv.stride = 2 }
                if node.name.hasSuffix(".conv2") { conv.stride = 1 }
                return .conv2d(conv)
            }
        case .tanhGELU:
            return graph.replacingOps { _, node in node.op == .activation(.gelu) ? .activation(.geluTanh) : node.op }
        }
    }
}

extension ModelGraph {
    /// The graph with `differences` applied in order.
    public func applying(_ differences: [FunctionDifference]) -> ModelGraph {
        differences.reduce(self) { $1.apply(to: $0) }
    }
}
