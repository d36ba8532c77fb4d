import Architectures
import CheckpointFormats
import Tensors

/// One float32 tensor of a model, in PyTorch's layout under its canonical name, with a gradient
/// when it is trained. Storage is allocated once and never moves, so kernels read it through a
/// pointer and see every optimizer update without copying.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let shape: [Int]
    public let group: FreezeGroup
    /// Batch-norm running statistics: saved with the model, never given a gradient.
    public let isBuffer: Bool
    public let count: Int
    /// The values, `count` floats.
    public let values: UnsafeMutablePointer<Float>
    /// The accumulated gradient, `count` floats; nil for buffers and frozen parameters.
    public let gradient: UnsafeMutablePointer<Float>?

    init(name: String, shape: [Int], group: FreezeGroup, isBuffer: Bool, trainable: Bool, values: [Float]) {
        self.name = name
        self.shape = shape
        self.group = group
        self.isBuffer = isBuffer
        count = shape.reduce(1, *)
        precondition(values.count == count, "\(name): \(values.count) values for shape \(shape)")
        self.values = .allocate(capacity: max(count, 1))
        self.values.initialize(from: values, count: count)
        if trainable {
            gradient = .allocate(capacity: max(count, 1))
            gradient!.initialize(repeating: 0, count: count)
        } else {
            gradient = nil
        }
    }

    deinit {
        values.deallocate()
        gradient?.deallocate()
    }

    /// Whether the optimizer updates this tensor.
    public var isTrainable: Bool { gradient != nil }

    /// A copy of the values.
    public var valueArray: [Float] { Array(UnsafeBufferPointer(start: values, count: count)) }

    /// A copy of the gradient (nil when the tensor is not trained).
    public var gradientArray: [Float]? { gradient.map { Array(UnsafeBufferPointer(start: $0, count: count)) } }

    /// Replaces the values (same count).
    public func assign(_ newValues: [Float]) {
        precondition(newValues.count == count, "\(name): \(newValues.count) values for \(count)")
        values.update(from: newValues, count: count)
    }
}

/// The weights of one model while it trains: master weights in canonical (PyTorch) layout under
/// canonical names, gradients for the parameters of trained freeze groups only, and buffers
/// (batch-norm running statistics and their batch counters) apart. Kernels bind to its tensors
/// instead of owning copies; it is a `WeightSource` for inference plans and streams to any
/// `CheckpointWriter` in the graph's state-dict order.
public final class ParameterStore: WeightSource, @unchecked Sendable {
    /// Every float tensor (parameters and buffers) in state-dict order.
    public let tensors: [Parameter]
    /// `num_batches_tracked` of each batch-norm, by its full name: how many training batches
    /// updated its running statistics.
    public private(set) var batchesTracked: [String: Int64]
    private let index: [String: Parameter]

    /// Reads every parameter and buffer of `graph` from `source`; parameters of the groups in
    /// `frozen` get no gradient. `num_batches_tracked` starts at 0 (checkpoints that carry it set
    /// it through `setBatchesTracked`).
    public init(graph: ModelGraph, source: WeightSource, frozen: Set<FreezeGroup> = []) throws {
        var tensors: [Parameter] = []
        var counters: [String: Int64] = [:]
        for parameter in graph.parameters {
            guard parameter.spec.dtype == .f32 else {
                counters[parameter.name] = 0
                continue
            }
            let values = try source.values(of: parameter.name, shape: parameter.spec.shape)
            tensors.append(Parameter(
                name: parameter.name, shape: parameter.spec.shape, group: parameter.group, isBuffer: parameter.spec.isBuffer,
                trainable: !parameter.spec.isBuffer && !frozen.contains(parameter.group), values: values))
        }
        self.tensors = tensors
        batchesTracked = counters
        index = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
    }

    /// The tensor named `name`, nil when the graph has none.
    public subscript(name: String) -> Parameter? { index[name] }

    /// The trainable parameters, in state-dict order.
    public var trainable: [Parameter] { tensors.filter(\.isTrainable) }

    /// The tensors training can change: the trainable parameters and the running statistics of
    /// trained groups (a frozen group's batch-norm keeps its statistics). What a checkpoint saves.
    public var changing: [Parameter] {
        let trained = Set(trainable.map(\.group))
        return tensors.filter { $0.isTrainable || ($0.isBuffer && trained.contains($0.group)) }
    }

    /// Sets every gradient to zero (before the first micro-batch of an optimizer step).
    public func zeroGradients() {
        for tensor in tensors { tensor.gradient?.update(repeating: 0, count: tensor.count) }
    }

    /// Records that the batch-norm `name` (its module path) updated its statistics once more.
    func countBatch(_ name: String) { batchesTracked[name + ".num_batches_tracked", default: 0] += 1 }

    /// Sets a batch-norm's counter (as read from a checkpoint).
    public func setBatchesTracked(_ name: String, _ value: Int64) { batchesTracked[name] = value }

    public func values(of name: String, shape: [Int]) throws -> [Float] {
        guard let tensor = index[name] else { throw EngineError.missingWeight(name: name, source: "the parameter store") }
        guard tensor.shape == shape else { throw EngineError.wrongShape(name: name, expected: shape, found: tensor.shape, source: "the parameter store") }
        return tensor.valueArray
    }

    /// Every tensor and counter as it would appear in the graph's `state_dict()`, in order.
    public func stateDictionary(of graph: ModelGraph) throws -> [TensorInfo] {
        try graph.parameters.map { TensorInfo(name: $0.name, dtype: $0.spec.dtype, shape: try Shape($0.spec.shape)) }
    }

    /// Streams every tensor of `graph`'s state dict to `writer` (opened with `stateDictionary(of:)`),
    /// one copy of one tensor at a time.
    public func write(_ graph: ModelGraph, to writer: CheckpointWriter) throws {
        for parameter in graph.parameters {
            if let tensor = index[parameter.name] {
                try writer.append(Tensor(tensor.valueArray, dtype: .f32, shape: try Shape(tensor.shape)))
            } else {
                try writer.append(Tensor([batchesTracked[parameter.name] ?? 0], dtype: .i64, shape: try Shape(parameter.spec.shape)))
            }
        }
    }
}
