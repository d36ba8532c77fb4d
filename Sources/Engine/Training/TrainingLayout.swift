import Architectures

/// Which values a training plan keeps and when each lives, on one clock: forward steps 0 ..< n
/// (the nodes on `FreezePlan`'s backward path, in graph order), then backward steps n ..< 2n in
/// reverse. Activations live from their forward step to the last backward step that reads them;
/// a gradient from the backward step of its last consumer (the first to add into it) to its own.
struct TrainingLayout {
    /// The nodes that run a training step, in forward order.
    let order: [Int]
    /// Nodes off the path whose values the path reads: the frozen prefix's outputs (or the input).
    let boundary: [Int]
    let shapes: [[Int]]
    private(set) var valueOf: [Int: Int] = [:]
    private(set) var gradientOf: [Int: Int] = [:]
    /// Per virtual value: floats per sample, defining step, last step that reads it.
    private(set) var lifetimes: [(perSample: Int, defined: Int, lastRead: Int)] = []

    init(graph: ModelGraph, freezePlan: FreezePlan, input: InputSpec) {
        let shapes = graph.shapes(input: input)
        self.shapes = shapes
        let onPath = freezePlan.backward.map(\.isOnPath)
        order = graph.nodes.indices.filter { onPath[$0] }
        var boundary: [Int] = []
        for node in order { for source in graph.nodes[node].inputs where !onPath[source] && !boundary.contains(source) { boundary.append(source) } }
        self.boundary = boundary.sorted()
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for node in order { for source in graph.nodes[node].inputs { consumers[source].append(node) } }

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
