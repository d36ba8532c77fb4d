/// What fine-tuning a graph costs when some of its freeze groups are frozen: trainable parameters,
/// forward and backward multiply-accumulates, and memory for weights, gradients, optimizer state
/// and stored activations.
///
/// Frozen groups run in inference mode — batch-norm keeps its running statistics fixed — and need
/// no backward pass, so their output can be computed once and cached (`cacheableFeatures`).
public struct FreezePlan: Sendable {
    public enum Optimizer: String, Codable, Sendable, CaseIterable {
        /// SGD with momentum: one state tensor per parameter.
        case sgdMomentum = "sgd"
        /// AdamW: two state tensors (first and second moments) per parameter.
        case adamW = "adamw"

        public var statesPerParameter: Int { self == .sgdMomentum ? 1 : 2 }
    }

    /// The groups frozen, in order from the input: usually a prefix of `ModelGraph.freezeGroups`;
    /// any subset for surgical fine-tuning (early groups trained, later ones frozen).
    public let frozen: [FreezeGroup]
    public let trainableParameters: Int
    public let frozenParameters: Int
    /// Per sample, at the plan's input.
    public let forwardMACs: Int
    /// Per sample: weight gradients of trainable nodes, input gradients wherever a gradient must
    /// flow further back (twice the forward products for attention's two matrix products).
    public let backwardMACs: Int
    /// What the backward pass computes at each node of the graph, in node order: what a cost model
    /// needs to price the backward pass per operation kind.
    public let backward: [NodeBackward]
    /// Per sample, per node: the multiply-accumulates of `backward` (they sum to `backwardMACs`).
    public let backwardMACsPerNode: [Int]
    /// Floats per sample the backward pass needs stored: the outputs of every node it visits (and
    /// attention's probabilities) and the values it reads from outside the path (the input, or the
    /// frozen prefix's output). An estimate: frameworks that recompute or fuse store less.
    public let storedActivationsPerSample: Int
    /// Floats per sample at the frozen prefix's output, which can be cached instead of recomputed
    /// (0 when nothing is frozen).
    public let cacheableFeatures: Int
    /// Bytes of every parameter and buffer, as stored (f32).
    public let weightBytes: Int
    /// Batch-norm layers in frozen groups: they run with their running statistics fixed (eval
    /// mode) and their statistics are not updated by fine-tuning.
    public let frozenBatchNorms: [String]

    /// Freezes the first `frozenGroups` groups of `graph` (0 trains everything).
    public init(_ graph: ModelGraph, frozenGroups: Int, input: InputSpec? = nil) {
        let groups = graph.freezeGroups
        precondition((0...groups.count).contains(frozenGroups), "freeze depth outside 0...\(groups.count)")
        self.init(graph, frozen: Array(groups.prefix(frozenGroups)), input: input)
    }

    /// Freezes `frozen` (any of `graph`'s groups). A frozen group above a trainable one still
    /// passes the gradient down (input gradients, no weight gradients) and stores its activations.
    public init(_ graph: ModelGraph, frozen: [FreezeGroup], input: InputSpec? = nil) {
        let frozenSet = Set(frozen)
        self.frozen = graph.freezeGroups.filter(frozenSet.contains)
        let shapes = graph.shapes(input: input), macs = graph.multiplyAccumulates(input: input)

        var trainable = 0, frozenCount = 0
        for parameter in graph.parameters where !parameter.spec.isBuffer {
            if frozenSet.contains(parameter.group) { frozenCount += parameter.spec.elementCount } else { trainable += parameter.spec.elementCount }
        }
        trainableParameters = trainable
        frozenParameters = frozenCount
        weightBytes = graph.parameters.reduce(0) { $0 + $1.spec.elementCount * $1.spec.dtype.size }
        forwardMACs = macs.reduce(0, +)
        frozenBatchNorms = graph.nodes.filter { node in
            if case .batchNorm = node.op { return frozenSet.contains(node.group) }
            return false
        }.map(\.name)

        // A node is on the backward path when it trains weights or reads a node that is. The
        // path's own outputs, and the off-path values it reads, are what the backward pass needs.
        var onPath = [Bool](repeating: false, count: graph.nodes.count)
        var nodeBackward = [NodeBackward](repeating: NodeBackward(weightGradient: false, inputGradient: false), count: graph.nodes.count)
        var nodeMACs = [Int](repeating: 0, count: graph.nodes.count)
        var stored = 0
        var boundary = Set<Int>()
        for (index, node) in graph.nodes.enumerated() {
            let trainsWeights = node.op.parameters.contains { !$0.isBuffer } && !frozenSet.contains(node.group)
            let gradientFlowsIn = node.inputs.contains { onPath[$0] }
            onPath[index] = trainsWeights || gradientFlowsIn
            guard onPath[index] else { continue }
            nodeBackward[index] = NodeBackward(weightGradient: trainsWeights, inputGradient: gradientFlowsIn)
            if trainsWeights { nodeMACs[index] += macs[index] }
            if gradientFlowsIn {
                if case .attention = node.op { nodeMACs[index] += 2 * macs[index] } else { nodeMACs[index] += macs[index] }
            }
            stored += shapes[index].reduce(1, *)
            // Attention also keeps its softmax probabilities, heads × T × T, for the backward pass.
            if case .attention(let heads) = node.op { stored += heads * shapes[index][0] * shapes[index][0] }
            boundary.formUnion(node.inputs.filter { !onPath[$0] })
        }
        let size = { (index: Int) in shapes[index].reduce(1, *) }
        backward = nodeBackward
        backwardMACsPerNode = nodeMACs
        backwardMACs = nodeMACs.reduce(0, +)
        storedActivationsPerSample = stored + boundary.reduce(0) { $0 + size($1) }
        // The graph's input is read, not computed: only a frozen prefix's outputs can be cached.
        cacheableFeatures = boundary.filter { graph.nodes[$0].op != .input }.reduce(0) { $0 + size($1) }
    }

    /// Bytes for training at `batch` with `optimizer`: weights, gradients, optimizer state and
    /// stored activations (f32).
    public func trainingBytes(batch: Int, optimizer: Optimizer) -> (weights: Int, gradients: Int, optimizer: Int, activations: Int) {
        (weightBytes, trainableParameters * 4, trainableParameters * 4 * optimizer.statesPerParameter, storedActivationsPerSample * 4 * batch)
    }
}

/// The backward pass at one node: a weight gradient when the node trains weights, an input
/// gradient when the node reads a node on the backward path (the gradient must flow on, through it).
/// Neither: the node is outside the backward path (the frozen prefix), and costs nothing there.
public struct NodeBackward: Sendable, Equatable {
    public let weightGradient: Bool
    public let inputGradient: Bool

    /// Whether the node is on the backward path (its forward output must be kept for it).
    public var isOnPath: Bool { weightGradient || inputGradient }
}

extension ModelGraph {
    /// The freeze groups in order from the input: stem, stage 1…N, head for CNNs; embeddings,
    /// layer 0…N−1, pooler, head for encoders. Groups without trainable parameters are left out.
    public var freezeGroups: [FreezeGroup] {
        Set(parameters.filter { !$0.spec.isBuffer }.map(\.group)).sorted()
    }
}
