import Architectures

/// The classes of operation a device's speed is described by. The compute kinds are priced per
/// multiply-accumulate; `memoryBound` (element-wise, normalisation, pooling, lookups) per element
/// written, since those operations wait on memory, not arithmetic.
public enum OperationKind: String, Sendable, Codable, CaseIterable {
    case convolution
    /// Convolutions with one input channel per group: few products per byte moved, so a device
    /// reaches a small fraction of its dense speed on them.
    case depthwiseConvolution = "depthwise_convolution"
    case linear
    /// Attention's two products (QKᵀ and the weighted sum of V) with their softmax.
    case attention
    case memoryBound = "memory_bound"

    /// The kind `op` is priced as; nil for operations that only re-label data (input, flatten,
    /// first token).
    public init?(_ op: Op) {
        switch op {
        case .conv2d(let conv): self = conv.isDepthwise ? .depthwiseConvolution : .convolution
        case .linear: self = .linear
        case .attention: self = .attention
        case .batchNorm, .activation, .maxPool, .adaptiveAvgPool, .dropout, .add, .multiply, .embedding, .layerNorm: self = .memoryBound
        case .input, .flatten, .firstToken: return nil
        }
    }

    /// Whether the kind's work is counted in multiply-accumulates (else in elements written).
    public var countsMultiplyAccumulates: Bool { self != .memoryBound }

    /// The unit `Throughput` gives the kind's speed in.
    public var unit: String { countsMultiplyAccumulates ? "multiply-accumulates/s" : "elements/s" }
}

extension ModelGraph {
    /// Each node's kind and its work per sample for `input`: multiply-accumulates for the compute
    /// kinds, elements written for the memory-bound kind; nil kind (no work) for re-labelling nodes.
    public func work(input: InputSpec? = nil) -> [(kind: OperationKind?, amount: Int)] {
        let shapes = shapes(input: input), macs = multiplyAccumulates(input: input)
        return nodes.indices.map { index in
            guard let kind = OperationKind(nodes[index].op) else { return (nil, 0) }
            return (kind, kind.countsMultiplyAccumulates ? macs[index] : shapes[index].reduce(1, *))
        }
    }

    /// Each node's kind and its backward work per sample when trained as `plan` says: for the
    /// compute kinds, FreezePlan's backward multiply-accumulates (`backwardMACsPerNode`: the weight
    /// gradient's and the input gradient's, twice the forward products for attention's input
    /// gradient); for the memory-bound kind, the elements the node writes once per gradient it
    /// computes (weight and input gradient each). Zero off the backward path. What `CostModel`
    /// prices at the backward throughput, and what the calibration's backward probes divide by
    /// their seconds, so the two count alike.
    public func backwardWork(_ plan: FreezePlan, input: InputSpec? = nil) -> [(kind: OperationKind?, amount: Int)] {
        work(input: input).enumerated().map { index, node in
            guard let kind = node.kind else { return (nil, 0) }
            let passes = plan.backward[index]
            let amount = kind.countsMultiplyAccumulates
                ? plan.backwardMACsPerNode[index]
                : node.amount * ((passes.weightGradient ? 1 : 0) + (passes.inputGradient ? 1 : 0))
            return (kind, amount)
        }
    }
}
