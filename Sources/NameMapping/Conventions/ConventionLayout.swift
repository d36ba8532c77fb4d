import Architectures
import Tensors

/// One tensor as a convention stores it, and how it is made from the canonical parameters.
public struct MappedTensor: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let dtype: DType
    /// From the canonical parameters (by canonical name).
    public let export: TensorExpression
    /// For the classifier's tensors, the axis that holds the number of classes (which a
    /// fine-tuned checkpoint changes); nil elsewhere.
    public let classAxis: Int?

    /// Whether a file's tensor of shape `found` can be this one: the same shape, but for the
    /// number of classes.
    public func accepts(_ found: [Int]) -> Bool {
        found.count == shape.count && zip(found, shape).enumerated().allSatisfy { $0.offset == classAxis || $0.element.0 == $0.element.1 }
    }
}

/// A registry graph as one convention names it: every tensor of such a file with its shape, and
/// the way back from those tensors to each canonical parameter. Joining two layouts of the same
/// graph on the canonical parameters maps one convention onto the other.
public struct ConventionLayout: Sendable {
    public let convention: Convention
    public let model: String
    /// The canonical graph (with the head it was built with).
    public let graph: ModelGraph
    /// The convention's tensors, in the order its files list them.
    public let tensors: [MappedTensor]
    /// Each canonical parameter from this convention's tensors (by their names).
    public let imports: [String: TensorExpression]
    /// How this convention's model computes differently from the canonical graph.
    public let differences: [FunctionDifference]

    /// The function files in this convention were trained to compute.
    public var conventionGraph: ModelGraph { graph.applying(differences) }

    public func tensor(named name: String) -> MappedTensor? { tensors.first { $0.name == name } }
}

/// Builds a `ConventionLayout`: conventions say where each canonical parameter goes, and the way
/// back is derived (a layout transform's inverse, a fused tensor's rows).
struct LayoutBuilder {
    let convention: Convention
    let model: RegisteredModel
    let graph: ModelGraph
    private let parameters: [String: GraphParameter]
    private let classifier: Int?
    private var tensors: [MappedTensor] = []
    private var names: Set<String> = []
    private var imports: [String: TensorExpression] = [:]

    init(_ convention: Convention, _ model: RegisteredModel, _ graph: ModelGraph) {
        self.convention = convention
        self.model = model
        self.graph = graph
        parameters = Dictionary(uniqueKeysWithValues: graph.parameters.map { ($0.name, $0) })
        classifier = graph.classifier
    }

    func parameter(_ name: String) -> GraphParameter {
        guard let parameter = parameters[name] else { preconditionFailure("\(convention) names '\(name)', which \(graph.name) lacks") }
        return parameter
    }

    /// Stores canonical `parameter` as `name` under `transform`.
    mutating func map(_ parameter: String, to name: String, _ transform: LayoutTransform = .identity) {
        let p = self.parameter(parameter)
        let export: TensorExpression = transform.isIdentity ? .tensor(parameter) : .transformed(.tensor(parameter), transform)
        // The class axis is wherever the canonical first axis lands: follow a size no other axis has.
        let marker = 1_000_003
        let shape = transform.shape(after: p.spec.shape)
        var classAxis: Int?
        if p.node == classifier {
            // A reshape fixes its sizes: then the axis is the one with the class count, if unique.
            classAxis = transform.shape(after: [marker] + p.spec.shape.dropFirst()).firstIndex(of: marker)
                ?? (shape.filter { $0 == p.spec.shape[0] }.count == 1 ? shape.firstIndex(of: p.spec.shape[0]) : nil)
        }
        append(MappedTensor(name: name, shape: shape, dtype: p.spec.dtype, export: export, classAxis: classAxis))
        let inverse = transform.inverse(from: p.spec.shape)
        imports[parameter] = transform.isIdentity ? .tensor(name) : .transformed(.tensor(name), inverse)
    }

    /// Stores canonical `parameters` (same trailing shape) joined along their first axis as `name`.
    mutating func fuse(_ parameters: [String], to name: String) {
        let specs = parameters.map { self.parameter($0).spec }
        let rows = specs.reduce(0) { $0 + $1.shape[0] }
        append(MappedTensor(
            name: name, shape: [rows] + specs[0].shape.dropFirst(), dtype: specs[0].dtype,
            export: .concatenated(parameters.map { .tensor($0) }), classAxis: nil))
        var start = 0
        for (parameter, spec) in zip(parameters, specs) {
            imports[parameter] = .rows(.tensor(name), start..<start + spec.shape[0])
            start += spec.shape[0]
        }
    }

    /// A canonical parameter the convention does not store, rebuilt filled with `value` (a
    /// batch-norm's `num_batches_tracked`).
    mutating func omit(_ parameter: String, filledWith value: Double = 0) {
        let p = self.parameter(parameter)
        imports[parameter] = .filled(value: value, shape: p.spec.shape, dtype: p.spec.dtype)
    }

    /// A tensor the canonical graph lacks: written as `export`; `fold` rewrites the canonical
    /// parameters it affects when reading (a convolution bias folded into the next batch-norm).
    mutating func extra(_ name: String, shape: [Int], dtype: DType = .f32, export: TensorExpression, fold: [String: TensorExpression] = [:]) {
        append(MappedTensor(name: name, shape: shape, dtype: dtype, export: export, classAxis: nil))
        imports.merge(fold) { _, new in new }
    }

    private mutating func append(_ tensor: MappedTensor) {
        precondition(names.insert(tensor.name).inserted, "\(convention) names two tensors '\(tensor.name)' in \(graph.name)")
        tensors.append(tensor)
    }

    /// The layout; every canonical parameter must have a way back.
    func finish(differences: [FunctionDifference] = []) -> ConventionLayout {
        for parameter in graph.parameters where imports[parameter.name] == nil {
            preconditionFailure("\(convention) has no way back to '\(parameter.name)' of \(graph.name)")
        }
        // Only differences that change this graph are differences.
        var kept: [FunctionDifference] = []
        var current = graph
        for difference in differences {
            let next = difference.apply(to: current)
            if !next.hasSameOperations(as: current) {
                kept.append(difference)
                current = next
            }
        }
        return ConventionLayout(convention: convention, model: model.name, graph: graph, tensors: tensors, imports: imports, differences: kept)
    }
}
