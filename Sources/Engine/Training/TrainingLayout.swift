import Architectures

/// Which values a training plan keeps and when each lives, on one clock: forward steps 0 ..< n
/// (the nodes on `FreezePlan`'s backward path, in graph order), then backward steps n ..< 2n in
/// reverse. Activations live from their forward step to the last backward step that reads them;
/// a gradient from the backward step of its last consumer (the first to add into it) to its own.
///
/// A ReLU or ReLU6 whose input is a batch-norm's only use is absorbed into that batch-norm's step
/// (`fusedActivation`): their derivatives can be read off their outputs, so the pair keeps one
/// value and one gradient and passes over memory once each way instead of twice. (The
/// batch-norm's backward step reads that value; a node's value lives to its own backward step.)
struct TrainingLayout {
    /// The nodes that run a training step, in forward order.
    let order: [Int]
    /// Nodes off the path whose values the path reads: the frozen prefix's outputs (or the input).
    let boundary: [Int]
    let shapes: [[Int]]
    private(set) var valueOf: [Int: Int] = [:]
    private(set) var gradientOf: [Int: Int] = [:]
    /// The activation each absorbing batch-norm applies (batch-norm node → activation); the
    /// absorbed activation node runs no step and shares the batch-norm's value and gradient.
    private(set) var fusedActivation: [Int: Activation] = [:]
    /// Per virtual value: floats per sample, defining step, last step that reads it.
    private(set) var lifetimes: [(perSample: Int, defined: Int, lastRead: Int)] = []

    init(graph: ModelGraph, freezePlan: FreezePlan, input: InputSpec) {
        let shapes = graph.shapes(input: input)
        self.shapes = shapes
        let onPath = freezePlan.backward.map(\.isOnPath)
        var uses = [Int](repeating: 0, count: graph.nodes.count)
        for node in graph.nodes { for source in node.inputs { uses[source] += 1 } }
        var absorbedInto: [Int: Int] = [:]
        for (node, n) in graph.nodes.enumerated() where onPath[node] && node != graph.nodes.count - 1 {
            guard case .activation(let activation) = n.op, activation.isGradientReadableFromOutput, let source = n.inputs.first,
                  onPath[source], case .batchNorm = graph.nodes[source].op, uses[source] == 1 else { continue }
            absorbedInto[node] = source
            fusedActivation[source] = activation
        }
        let representative = { (node: Int) in absorbedInto[node] ?? node }
        order = graph.nodes.indices.filter { onPath[$0] && absorbedInto[$0] == nil }
        var boundary: [Int] = []
        for node in order { for source in graph.nodes[node].inputs where !onPath[source] && !boundary.contains(source) { boundary.append(source) } }
        self.boundary = boundary.sorted()
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for node in order { for source in graph.nodes[node].inputs { consumers[representative(source)].append(node) } }

        let n = order.count
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let backwardTime = { (node: Int) in 2 * n - 1 - position[node]! }
        // The graph's input holds a value only for images (tokens are read from the workspace).
        let needsValue = { (node: Int) in graph.nodes[node].op != .input || shapes[node].count == 3 }
        for node in self.boundary + order where needsValue(node) {
            let defined = position[node] ?? 0
            var lastRead = position[node] == nil ? 0 : backwardTime(node)
            if node == graph.nodes.count - 1 { lastRead = max(lastRead, n) }
            for consumer in consumers[node] { lastRead = max(lastRead, position[consumer]!, backwardTime(consumer)) }
            valueOf[node] = lifetimes.count
            lifetimes.append((shapes[node].reduce(1, *), defined, lastRead))
        }
        for node in order {
            let defined = consumers[node].map(backwardTime).min() ?? n
            gradientOf[node] = lifetimes.count
            lifetimes.append((shapes[node].reduce(1, *), defined, backwardTime(node)))
        }
        for (activation, batchNorm) in absorbedInto {
            valueOf[activation] = valueOf[batchNorm]
            gradientOf[activation] = gradientOf[batchNorm]
        }
    }

    /// For each forward position, the gradients to zero just before its backward step (all but
    /// `written`, which the loss writes).
    func zeroing(except written: Int) -> [[(value: Int, perSample: Int)]] {
        let n = order.count
        var lists = [[(value: Int, perSample: Int)]](repeating: [], count: n)
        for node in order {
            let value = gradientOf[node]!
            guard value != written else { continue }
            let time = lifetimes[value].defined
            lists[2 * n - 1 - time].append((value, lifetimes[value].perSample))
        }
        return lists
    }
}
