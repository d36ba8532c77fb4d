import Architectures
import Foundation

/// Turns a `ModelGraph` into kernels over virtual values (one per activation the plan keeps),
/// folding each batch-norm into the convolution before it and each activation into the kernel
/// before it, so inference makes one pass over memory where PyTorch's graph has three.
struct PlanCompiler {
    let graph: ModelGraph
    let input: InputSpec
    let weights: WeightSource
    /// Nodes whose values the caller wants back (never fused away, never overwritten).
    let kept: Set<Int>

    /// Kernels compiled so far: the clock that values' lifetimes are measured in.
    private(set) var steps = 0
    /// Kernels compiled since the caller last took them.
    var compiled: [any Kernel] = []
    private var nextNode = 0
    /// Per virtual value: floats per sample, the step that writes it, the last step that reads it.
    private(set) var values: [(perSample: Int, defined: Int, lastRead: Int)] = []
    /// The virtual value each node's result lives in (absorbed nodes share their kernel's).
    private(set) var valueOf: [Int: Int] = [:]
    var scratchNeeded = 0
    /// The value the caller's images are written into (channel-first), for image graphs.
    private(set) var imageInput: Int?

    let shapes: [[Int]]
    let consumers: [[Int]]

    init(graph: ModelGraph, input: InputSpec, weights: WeightSource, kept: Set<Int>) {
        self.graph = graph
        self.input = input
        self.weights = weights
        self.kept = kept
        shapes = graph.shapes(input: input)
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for (index, node) in graph.nodes.enumerated() { for input in node.inputs { consumers[input].append(index) } }
        self.consumers = consumers
    }

    /// Every node's kernels, in run order.
    mutating func compile() throws -> [any Kernel] {
        var kernels: [any Kernel] = []
        while let next = try nextKernels() { kernels += next }
        return kernels
    }

    /// The next node's kernels (with whatever it absorbs), in run order; nil once every node is
    /// compiled. A caller that runs and drops each node's kernels holds one node's weights at a time.
    mutating func nextKernels() throws -> [any Kernel]? {
        guard nextNode < graph.nodes.count else {
            for node in kept { if let value = valueOf[node] { values[value].lastRead = Int.max } }
            return nil
        }
        nextNode = try compile(node: nextNode) + 1
        defer { compiled = [] }
        return compiled
    }

    mutating func emit(_ kernel: any Kernel) {
        compiled.append(kernel)
        steps += 1
    }

    // MARK: - Values

    mutating func newValue(_ perSample: Int) -> Int {
        values.append((perSample, steps, steps))
        return values.count - 1
    }

    /// The value of `node`, marked as read by the step about to be appended.
    mutating func read(_ node: Int) -> Int {
        let value = valueOf[node]!
        values[value].lastRead = steps
        return value
    }

    /// The one consumer of `node` when it has exactly one and is `matching`, unless the caller
    /// wants `node` itself.
    func fusable(after node: Int, _ matching: (Op) -> Bool) -> Int? {
        guard !kept.contains(node), consumers[node].count == 1, let next = consumers[node].first, matching(graph.nodes[next].op) else { return nil }
        return next
    }

    func activationAfter(_ node: Int) -> (node: Int, activation: Activation)? {
        guard let next = fusable(after: node, { if case .activation = $0 { true } else { false } }),
              case .activation(let activation) = graph.nodes[next].op else { return nil }
        return (next, activation)
    }

    func parameter(_ node: Int, _ suffix: String) throws -> [Float] {
        let spec = graph.nodes[node].op.parameters.first { $0.suffix == suffix }!
        return try weights.values(of: graph.nodes[node].name + "." + suffix, shape: spec.shape)
    }

    // MARK: - Nodes

    /// Compiles `node` (and whatever it absorbs); returns the last node consumed. Each operation
    /// family compiles in a file of its own (`PlanCompiler+Family.swift`).
    private mutating func compile(node index: Int) throws -> Int {
        switch graph.nodes[index].op {
        case .input:
            let perSample = shapes[index].reduce(1, *)
            guard case .image(let channels, let size) = input else { return index }
            let raw = newValue(perSample)
            imageInput = raw
            values[raw].lastRead = steps
            let value = newValue(perSample)
            emit(ChannelTranspose(input: raw, output: value, channels: channels, pixels: size * size, direction: .toChannelsLast))
            valueOf[index] = value
            return index
        case .conv2d(let conv):
            return try convolution(index, conv)
        case .batchNorm, .activation, .add, .multiply, .dropout:
            return try pointwise(index)
        case .maxPool, .adaptiveAvgPool, .flatten:
            return try pooling(index)
        case .linear, .embedding, .layerNorm, .attention, .firstToken:
            return try sequence(index)
        }
    }

    /// Records that `first` (and every node up to `last`, which it absorbed) lives in `value`.
    mutating func finish(_ value: Int, from first: Int, through last: Int? = nil) -> Int {
        var node = first
        valueOf[node] = value
        while let last, node != last {
            node = consumers[node][0]
            valueOf[node] = value
        }
        return max(first, last ?? first)
    }

    /// A node that changes nothing in memory (dropout, a flatten of a 1×1 map, an identity pool).
    mutating func alias(_ index: Int) -> Int {
        valueOf[index] = valueOf[graph.nodes[index].inputs[0]]
        return index
    }
}
