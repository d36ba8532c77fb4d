import Tensors

/// Where a node sits for freezing: the named, ordered groups shared by every family.
public enum FreezeGroup: Hashable, Sendable, Comparable, CustomStringConvertible {
    case stem
    case stage(Int)
    case embeddings
    case layer(Int)
    case pooler
    case head

    /// Order from the input to the output.
    var rank: (Int, Int) {
        switch self {
        case .stem, .embeddings: (0, 0)
        case .stage(let index), .layer(let index): (1, index)
        case .pooler: (2, 0)
        case .head: (3, 0)
        }
    }

    public static func < (lhs: FreezeGroup, rhs: FreezeGroup) -> Bool { lhs.rank < rhs.rank }

    public var description: String {
        switch self {
        case .stem: "stem"
        case .stage(let index): "stage\(index)"
        case .embeddings: "embeddings"
        case .layer(let index): "layer\(index)"
        case .pooler: "pooler"
        case .head: "head"
        }
    }
}

/// One operation in a graph: its module path (the canonical name prefix of its parameters), the
/// operation, the nodes it reads, and its freeze group.
public struct Node: Sendable {
    public let name: String
    public let op: Op
    public let inputs: [Int]
    public let group: FreezeGroup
}

/// A named parameter of the whole graph, in canonical (torchvision / Hugging Face) naming.
public struct GraphParameter: Sendable, Equatable {
    public let name: String
    public let spec: ParameterSpec
    public let node: Int
    public let group: FreezeGroup
}

/// Per-sample input of a graph.
public enum InputSpec: Sendable, Equatable {
    case image(channels: Int, size: Int)
    /// A sequence of `length` token ids.
    case tokens(length: Int)

    var shape: [Int] {
        switch self {
        case .image(let channels, let size): [channels, size, size]
        case .tokens(let length): [length]
        }
    }
}

/// An architecture described once, as an ordered list of operations (each reads earlier nodes).
/// Parameter names, counts, shapes, multiply-accumulates, activation memory and freeze groups are
/// all derived from it.
public struct ModelGraph: Sendable {
    public let name: String
    public let nodes: [Node]
    /// The default input (the size the published figures use).
    public let input: InputSpec

    public init(name: String, nodes: [Node], input: InputSpec) {
        self.name = name
        self.nodes = nodes
        self.input = input
    }

    /// Every parameter and buffer, in node order: the reference library's state-dict order.
    public var parameters: [GraphParameter] {
        nodes.enumerated().flatMap { index, node in
            node.op.parameters.map { GraphParameter(name: node.name + "." + $0.suffix, spec: $0, node: index, group: node.group) }
        }
    }

    /// Trainable parameters (buffers excluded), as `sum(p.numel() for p in model.parameters())`.
    public var parameterCount: Int {
        parameters.filter { !$0.spec.isBuffer }.reduce(0) { $0 + $1.spec.elementCount }
    }

    /// Per-sample output shape of every node for `input` (the default input when nil).
    public func shapes(input: InputSpec? = nil) -> [[Int]] {
        var shapes: [[Int]] = []
        shapes.reserveCapacity(nodes.count)
        for node in nodes {
            let inputs = node.op == .input ? [(input ?? self.input).shape] : node.inputs.map { shapes[$0] }
            shapes.append(node.op.outputShape(inputs))
        }
        return shapes
    }

    /// Multiply-accumulates per sample of every node.
    public func multiplyAccumulates(input: InputSpec? = nil) -> [Int] {
        let shapes = shapes(input: input)
        return nodes.indices.map { index in
            nodes[index].op.multiplyAccumulates(nodes[index].inputs.map { shapes[$0] }, output: shapes[index])
        }
    }

    /// The classifier: the last linear node of the head, when the graph has one.
    public var classifier: Int? {
        nodes.indices.last { index in
            if case .linear = nodes[index].op, nodes[index].group == .head { return true }
            return false
        }
    }

    /// The classifier's output size, nil for a headless graph.
    public var classifierOutputs: Int? {
        classifier.map { index in
            if case .linear(_, let outFeatures, _) = nodes[index].op { return outFeatures }
            return 0
        }
    }

    /// The node whose output is the model's feature vector: what the classifier reads (the
    /// penultimate layer), or the last node of a headless graph.
    public var featureNode: Int { classifier.map { nodes[$0].inputs[0] } ?? nodes.count - 1 }

    /// The same graph with each node's operation replaced by `transform(index, node)`: how a
    /// framework's variant of an architecture (another epsilon, padding or stride) is described.
    public func replacingOps(_ transform: (Int, Node) -> Op) -> ModelGraph {
        ModelGraph(
            name: name,
            nodes: nodes.enumerated().map { Node(name: $1.name, op: transform($0, $1), inputs: $1.inputs, group: $1.group) },
            input: input)
    }

    /// Whether both graphs compute with the same operations on the same structure.
    public func hasSameOperations(as other: ModelGraph) -> Bool {
        nodes.count == other.nodes.count && zip(nodes, other.nodes).allSatisfy { $0.op == $1.op && $0.inputs == $1.inputs }
    }

    /// Total multiply-accumulates per sample.
    public func totalMultiplyAccumulates(input: InputSpec? = nil) -> Int { multiplyAccumulates(input: input).reduce(0, +) }
}

/// Appends nodes under a module-path scope and a freeze group: what family builders write in.
public struct GraphBuilder {
    public private(set) var nodes: [Node] = [Node(name: "input", op: .input, inputs: [], group: .stem)]
    public var group: FreezeGroup = .stem

    public init() {}

    /// The graph's input node.
    public var input: Int { 0 }

    /// Appends `op` named `name` reading `inputs` (the last node when omitted); returns its index.
    @discardableResult
    public mutating func add(_ name: String, _ op: Op, _ inputs: [Int]? = nil) -> Int {
        nodes.append(Node(name: name, op: op, inputs: inputs ?? [nodes.count - 1], group: group))
        return nodes.count - 1
    }

    /// For mobile networks, whose stages are resolution levels: the first block, and every block
    /// that halves the resolution, opens the next stage.
    public mutating func beginBlock(stride: Int) {
        switch group {
        case .stage(let index) where stride == 1: group = .stage(index)
        case .stage(let index): group = .stage(index + 1)
        default: group = .stage(1)
        }
    }

    public func graph(name: String, input: InputSpec) -> ModelGraph { ModelGraph(name: name, nodes: nodes, input: input) }
}
