import Architectures
import Foundation
import Tensors

/// A `ModelGraph` compiled for training at one batch size and input shape, its kernels bound to
/// a `ParameterStore`. Which nodes run backward, and whether each gets a weight gradient, an input
/// gradient or nothing, comes from `FreezePlan`'s per-node entries — the ones the advisor's cost
/// model prices — so the estimate and the work agree by construction:
///
/// - the **frozen prefix** (nodes off the backward path) is an inference `ForwardPlan` (batch-norm
///   folded, running statistics fixed) whose outputs feed the trained suffix: the cut at the
///   freeze boundary, whose outputs can be cached;
/// - the **trained suffix** runs one `TrainingStep` per node: forward in training mode (batch-norm
///   on batch statistics, dropout masks), the loss, then backward in reverse, adding into the
///   store's gradients. A frozen batch-norm inside the suffix stays a fixed affine map.
///
/// Activations and gradients share one buffer plan (`BufferPlanner`) on one clock: forward steps,
/// then backward steps in reverse.
public final class TrainingPlan: @unchecked Sendable {
    public let graph: ModelGraph
    public let parameters: ParameterStore
    public let freezePlan: FreezePlan
    public let input: InputSpec
    /// The most examples one step takes.
    public let batch: Int
    public let loss: Loss
    /// The frozen prefix, nil when the suffix starts at the input.
    public let prefix: ForwardPlan?
    /// Dropout draws masks when set (training), and passes values through when not.
    public var dropoutEnabled = true {
        didSet { for step in steps { (step as? DropoutStep)?.isTraining = dropoutEnabled } }
    }
    /// Trained batch-norm layers normalise with their running statistics (not updated) while their
    /// γ and β still train, as PyTorch's `BatchNorm2d` in `eval()` mode inside a trained group: the
    /// statistics then do not depend on how a batch is split across processes (zoo finetune --equivalence).
    public var batchNormStatisticsFrozen = false {
        didSet { for case let step as BatchNormStep in steps { step.frozenStatistics = batchNormStatisticsFrozen } }
    }
    /// Dropout masks drawn so far (each training forward pass draws one per dropout layer from
    /// the plan's seed and this count): a checkpoint saves it, a resumed run sets it.
    public var randomDraws: UInt64 {
        get { steps.lazy.compactMap { $0 as? DropoutStep }.first?.passes ?? 0 }
        set { for case let step as DropoutStep in steps { step.passes = newValue } }
    }
    /// When set, each step adds the seconds spent in every kind of step to `profile`.
    public var profiling = false
    /// Seconds per phase and step kind (`forward ConvolutionStep`, `backward AttentionStep`,
    /// `prefix`, `zeroing`) over the steps made while profiling.
    public private(set) var profile: [String: Double] = [:]
    /// The logits of the last step, `[count, outputs]`.
    public private(set) var logits: [Float] = []

    private let steps: [TrainingStep]
    private let workspace: Workspace
    /// Prefix outputs (and the image input) copied into the suffix's values before a step: node,
    /// value, per-sample shape.
    private let boundary: [(node: Int, value: Int, shape: [Int])]
    private let outputValue: Int
    private let outputGradient: Int
    private let outputs: Int
    /// Gradient values (and their floats per sample) each backward step must zero before it runs:
    /// their first writer is that step, and it adds (a first writer that stores needs none).
    private let zeroing: [[(value: Int, perSample: Int)]]
    private let lock = NSLock()

    /// Compiles `graph` (with the head it will train) for `batch` examples of `input` (the graph's
    /// default when nil), freezing `frozen`. `parameters` must have been built with the same frozen
    /// groups. `seed` seeds dropout's masks.
    public init(
        graph: ModelGraph, parameters: ParameterStore, frozen: [FreezeGroup], input: InputSpec? = nil, batch: Int, loss: Loss, seed: UInt64 = 0
    ) throws {
        let input = input ?? graph.input
        self.graph = graph
        self.parameters = parameters
        self.input = input
        self.batch = max(1, batch)
        self.loss = loss
        let frozenSet = Set(frozen)
        for tensor in parameters.tensors where !tensor.isBuffer && tensor.isTrainable == frozenSet.contains(tensor.group) {
            throw EngineError.unsupported(
                node: tensor.name, what: "a parameter store frozen differently from the plan (\(tensor.group) is \(tensor.isTrainable ? "trained" : "frozen") there)")
        }
        freezePlan = FreezePlan(graph, frozen: frozen, input: input)
        let last = graph.nodes.count - 1
        guard freezePlan.backward[last].isOnPath else {
            throw EngineError.unsupported(node: graph.nodes[last].name, what: "training a model whose every group is frozen")
        }
        BLAS.threads = workerThreadCount

        let layout = TrainingLayout(graph: graph, freezePlan: freezePlan, input: input)
        let samples = self.batch
        let (assignment, capacities) = BufferPlanner.assign(layout.lifetimes.map { BufferPlanner.Value(size: $0.perSample * samples, defined: $0.defined, lastRead: $0.lastRead) })
        var compiler = TrainingStepCompiler(graph: graph, layout: layout, store: parameters, frozen: frozenSet, input: input, seed: seed)
        steps = try layout.order.map { try compiler.step(for: $0) }
        workspace = Workspace(bufferCapacities: capacities, assignment: assignment, scratchCapacity: compiler.scratchNeeded)
        outputs = layout.shapes[last].reduce(1, *)
        outputValue = layout.valueOf[last]!
        outputGradient = layout.gradientOf[last]!
        var zeroing = layout.zeroing(except: outputGradient)
        // A first writer that writes the whole gradient stores it: nothing to zero.
        for (position, step) in steps.enumerated() {
            guard let step = step as? StoresInputGradient, step.writesWholeInputGradient, let gradient = step.values.inputGradient,
                  let entry = zeroing[position].firstIndex(where: { $0.value == gradient }) else { continue }
            zeroing[position].remove(at: entry)
            step.storesInputGradient = true
        }
        self.zeroing = zeroing

        let frozenOutputs = layout.boundary.filter { graph.nodes[$0].op != .input }
        if let deepest = frozenOutputs.max() {
            let truncated = ModelGraph(name: graph.name, nodes: Array(graph.nodes[...deepest]), input: input)
            prefix = try ForwardPlan(graph: truncated, weights: parameters, input: input, batch: self.batch, outputs: frozenOutputs.map { graph.nodes[$0].name })
            boundary = frozenOutputs.map { ($0, layout.valueOf[$0]!, layout.shapes[$0]) }
        } else {
            prefix = nil
            boundary = []
        }
        imageInput = layout.boundary.contains(0) && graph.nodes[0].op == .input ? layout.valueOf[0] : nil
    }

    private let imageInput: Int?

    /// Floats of activation and gradient memory the suffix holds (the prefix's are `prefix`'s).
    public var activationBytes: Int { workspace.byteCount }

    /// One forward and backward pass over `count` images (`[count, channels, size, size]`, as
    /// PyTorch takes them): adds `lossScale` × the gradient of the batch's mean loss into the
    /// store's gradients and returns the mean loss (unscaled). Gradient accumulation over
    /// micro-batches passes each one's share of the examples as `lossScale`.
    public func step(images: [Float], count: Int, targets: Targets, lossScale: Double = 1) throws -> Double {
        try locked {
            try prepare(images: images, count: count)
            return try run(count: count, targets: targets, lossScale: lossScale)
        }
    }

    /// One forward and backward pass over a batch of token sequences of the plan's length.
    public func step(tokens: TokenBatch, targets: Targets, lossScale: Double = 1) throws -> Double {
        try locked {
            try prepare(tokens: tokens)
            return try run(count: tokens.count, targets: targets, lossScale: lossScale)
        }
    }

    /// The frozen prefix's outputs the trained suffix reads, by node name (empty when nothing in
    /// front is frozen): what a feature cache stores per example, in PyTorch's layout.
    public var cutNames: [String] { boundary.map { graph.nodes[$0.node].name } }

    /// Floats per example of each of `cutNames`' values.
    public var cutSizes: [Int] { boundary.map { $0.shape.reduce(1, *) } }

    /// One step from the prefix's outputs (`cutNames`' values for `count` examples, as
    /// `prefix.run` returns them), skipping the prefix: training on cached features. Encoders pass
    /// the batch's attention mask (`count × length`), which the suffix's attention still needs.
    public func step(features: [[Float]], count: Int, attentionMask: [Int]? = nil, targets: Targets, lossScale: Double = 1) throws -> Double {
        try locked {
            try prepare(features: features, count: count, attentionMask: attentionMask)
            return try run(count: count, targets: targets, lossScale: lossScale)
        }
    }

    /// The logits (`[count, outputs]`) of `count` images in evaluation mode (PyTorch's
    /// `model.eval()` under `no_grad`): batch-norm on its running statistics, which stay as they
    /// are, dropout off, nothing backward.
    public func evaluate(images: [Float], count: Int) throws -> [Float] {
        try locked {
            try prepare(images: images, count: count)
            return try forwardOnly(count: count)
        }
    }

    /// The logits of a batch of token sequences in evaluation mode.
    public func evaluate(tokens: TokenBatch) throws -> [Float] {
        try locked {
            try prepare(tokens: tokens)
            return try forwardOnly(count: tokens.count)
        }
    }

    /// The logits of `count` examples' prefix outputs in evaluation mode.
    public func evaluate(features: [[Float]], count: Int, attentionMask: [Int]? = nil) throws -> [Float] {
        try locked {
            try prepare(features: features, count: count, attentionMask: attentionMask)
            return try forwardOnly(count: count)
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func prepare(images: [Float], count: Int) throws {
        guard case .image(let channels, let size) = input else { throw EngineError.wrongInput(expected: "token ids", found: "images") }
        guard (1...batch).contains(count), images.count == count * channels * size * size else {
            throw EngineError.wrongInput(expected: "1…\(batch) images of \(channels)×\(size)×\(size)", found: "\(images.count) floats for \(count)")
        }
        workspace.batch = count
        if let imageInput {
            images.withUnsafeBufferPointer {
                ChannelTranspose.transpose($0.baseAddress!, workspace.buffers[imageInput], batch: count, channels: channels, pixels: size * size, .toChannelsLast)
            }
        }
        if let prefix { try timed("prefix") { load(try prefix.run(images: images, count: count), count: count) } }
    }

    private func prepare(tokens: TokenBatch) throws {
        guard case .tokens(let length) = input else { throw EngineError.wrongInput(expected: "images", found: "token ids") }
        guard tokens.length == length, (1...batch).contains(tokens.count) else {
            throw EngineError.wrongInput(expected: "1…\(batch) sequences of \(length) tokens", found: "\(tokens.count) of \(tokens.length)")
        }
        workspace.batch = tokens.count
        workspace.tokenIDs = tokens.ids
        workspace.tokenTypes = tokens.tokenTypes
        workspace.attentionMask = tokens.attentionMask.map(Float.init)
        if let prefix { try timed("prefix") { load(try prefix.run(tokens: tokens), count: tokens.count) } }
    }

    private func prepare(features: [[Float]], count: Int, attentionMask: [Int]?) throws {
        guard !boundary.isEmpty else { throw EngineError.wrongInput(expected: "the model's input (nothing is frozen in front)", found: "features") }
        guard (1...batch).contains(count), features.count == boundary.count,
              zip(features, boundary).allSatisfy({ $0.count == count * $1.shape.reduce(1, *) }) else {
            throw EngineError.wrongInput(
                expected: "\(count) examples of \(boundary.map { "\(graph.nodes[$0.node].name) \($0.shape)" }.joined(separator: ", "))",
                found: "\(features.map(\.count)) floats")
        }
        workspace.batch = count
        if case .tokens(let length) = input {
            guard let attentionMask, attentionMask.count == count * length else {
                throw EngineError.wrongInput(expected: "an attention mask of \(count) × \(length)", found: "\(attentionMask?.count ?? 0) values")
            }
            workspace.attentionMask = attentionMask.map(Float.init)
        }
        load(features, count: count)
    }

    /// The forward steps in evaluation mode; the logits.
    private func forwardOnly(count: Int) throws -> [Float] {
        let switching = steps.compactMap { $0 as? any ModeDependentStep }
        for step in switching { step.evaluating = true }
        defer { for step in switching { step.evaluating = false } }
        for step in steps { try step.forward(workspace) }
        return Array(UnsafeBufferPointer(start: workspace.buffers[outputValue], count: count * outputs))
    }

    /// Copies the prefix's outputs (PyTorch's layout) into the suffix's values (channels last).
    private func load(_ results: [[Float]], count: Int) {
        for ((_, value, shape), result) in zip(boundary, results) {
            result.withUnsafeBufferPointer { result in
                if shape.count == 3 {
                    ChannelTranspose.transpose(result.baseAddress!, workspace.buffers[value], batch: count, channels: shape[0], pixels: shape[1] * shape[2], .toChannelsLast)
                } else {
                    workspace.buffers[value].update(from: result.baseAddress!, count: result.count)
                }
            }
        }
    }

    private func run(count: Int, targets: Targets, lossScale: Double) throws -> Double {
        for step in steps { try timed("forward \(type(of: step))") { try step.forward(workspace) } }
        let logitsPointer = workspace.buffers[outputValue]
        logits = Array(UnsafeBufferPointer(start: logitsPointer, count: count * outputs))
        let value = try loss.evaluate(
            logits: logitsPointer, batch: count, outputs: outputs, targets: targets, scale: lossScale, gradient: workspace.buffers[outputGradient])
        for (position, step) in steps.enumerated().reversed() {
            timed("zeroing") {
                for (gradient, perSample) in zeroing[position] {
                    let buffer = workspace.buffers[gradient]
                    parallelChunks(count: count * perSample, minimumChunk: 1 << 16) { (buffer + $0.lowerBound).update(repeating: 0, count: $0.count) }
                }
            }
            timed("backward \(type(of: step))") { step.backward(workspace) }
        }
        return value
    }

    private func timed<T>(_ kind: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        guard profiling else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { profile[kind(), default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }
}
