import Architectures
import Foundation
import Tensors

/// A model ready to run on the CPU: a `ModelGraph` compiled once for one input shape, its
/// weights prepared (batch-norms folded, layouts changed for the kernels) and every activation
/// buffer allocated once, then reused by each run. Batches larger than `batch` run in slices.
/// One run at a time: concurrent calls wait for each other. A plan that does not keep its
/// weights compiles each node just before running it instead, for a one-off run whose memory
/// should stay near the largest weight rather than the model (a conversion's output check).
public final class ForwardPlan: @unchecked Sendable {
    public let graph: ModelGraph
    public let input: InputSpec
    /// Samples per pass; a run of more samples makes several passes.
    public let batch: Int
    /// The nodes `run` returns, in the order asked for.
    public let outputs: [Int]

    /// The compiled kernels; nil when the plan keeps no weights and compiles them for each pass.
    private let kernels: [any Kernel]?
    private let weights: WeightSource
    private let workspace: Workspace
    private let imageInput: Int?
    private let outputValues: [Int]
    private let lock = NSLock()

    /// When set, each run adds the seconds spent in every kind of kernel to `profile`.
    public var profiling = false
    /// Seconds per kernel kind (`Convolution`, `Attention`, …) over the runs made while profiling.
    public private(set) var profile: [String: Double] = [:]

    /// Compiles `graph` for `input` (the graph's default when nil), reading every weight from
    /// `weights` by canonical name. `outputs` are node names whose values `run` returns (the
    /// last node when nil). With `keepingWeights: false` each node's weights are read again, and
    /// dropped, on every pass: memory holds one node's weights at a time, at the cost of reading
    /// them once more per pass (for one pass of BERT-large, no measurable time).
    public init(
        graph: ModelGraph, weights: WeightSource, input: InputSpec? = nil, batch: Int = 1, outputs: [String]? = nil, keepingWeights: Bool = true
    ) throws {
        let input = input ?? graph.input
        self.graph = graph
        self.weights = weights
        self.input = input
        self.batch = max(1, batch)
        let wanted = outputs ?? [graph.nodes[graph.nodes.count - 1].name]
        self.outputs = try wanted.map { name in
            guard let index = graph.nodes.lastIndex(where: { $0.name == name }) else {
                throw EngineError.unsupported(node: name, what: "returning a node the graph does not have")
            }
            return index
        }
        if case .tokens(let length) = input {
            let limit = graph.nodes.compactMap { node -> Int? in
                guard case .embedding(let count, _, let index) = node.op else { return nil }
                switch index {
                case .position: return count
                case .positionAfterPadding(let padding): return count - padding - 1
                case .token, .tokenType: return nil
                }
            }.min()
            if let limit, length > limit {
                throw EngineError.wrongInput(expected: "sequences of at most \(limit) tokens", found: "\(length) tokens")
            }
        }
        BLAS.threads = workerThreadCount
        var compiler = PlanCompiler(graph: graph, input: input, weights: weights, kept: Set(self.outputs))
        if keepingWeights {
            kernels = try compiler.compile()
        } else {
            while try compiler.nextKernels() != nil {}  // for the buffer plan only
            kernels = nil
        }
        imageInput = compiler.imageInput
        outputValues = self.outputs.map { compiler.valueOf[$0]! }
        let samples = self.batch
        let (assignment, capacities) = BufferPlanner.assign(
            compiler.values.map { BufferPlanner.Value(size: $0.perSample * samples, defined: $0.defined, lastRead: $0.lastRead) })
        workspace = Workspace(bufferCapacities: capacities, assignment: assignment, scratchCapacity: compiler.scratchNeeded)
        shapes = graph.shapes(input: input)
    }

    private let shapes: [[Int]]

    /// Per-sample shape of output `k`, as PyTorch lays it out.
    public func outputShape(_ k: Int) -> [Int] { shapes[outputs[k]] }

    /// Bytes of activation memory the plan holds.
    public var activationBytes: Int { workspace.byteCount }

    /// Runs `count` images, `[count, channels, size, size]` float32 as PyTorch takes them; returns
    /// each output for all samples, `[count] + outputShape(k)`.
    public func run(images: [Float], count: Int) throws -> [[Float]] {
        guard case .image(let channels, let size) = input, let imageInput else {
            throw EngineError.wrongInput(expected: "token ids", found: "images")
        }
        let perSample = channels * size * size
        guard images.count == count * perSample else {
            throw EngineError.wrongInput(expected: "\(count) × \(channels)×\(size)×\(size) floats", found: "\(images.count) floats")
        }
        return try passes(count) { range in
            images.withUnsafeBufferPointer { images in
                workspace.buffers[imageInput].update(from: images.baseAddress! + range.lowerBound * perSample, count: range.count * perSample)
            }
        }
    }

    /// Runs a batch of token sequences, which must have the plan's length.
    public func run(tokens: TokenBatch) throws -> [[Float]] {
        guard case .tokens(let length) = input else { throw EngineError.wrongInput(expected: "images", found: "token ids") }
        guard tokens.length == length else {
            throw EngineError.wrongInput(expected: "sequences of \(length) tokens", found: "sequences of \(tokens.length)")
        }
        return try passes(tokens.count) { range in
            let (ids, mask, types) = tokens.slice(range)
            workspace.tokenIDs = ids
            workspace.tokenTypes = types
            workspace.attentionMask = mask.map(Float.init)
        }
    }

    /// Runs the kernels over `count` samples in passes of at most `batch`, `load` filling the
    /// inputs of each pass, and gathers the outputs.
    private func passes(_ count: Int, load: (Range<Int>) throws -> Void) throws -> [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        var results = outputs.indices.map { k in
            var values = [Float]()
            values.reserveCapacity(count * outputShape(k).reduce(1, *))
            return values
        }
        for start in stride(from: 0, to: count, by: batch) {
            let range = start..<min(count, start + batch)
            workspace.batch = range.count
            try load(range)
            try forEachKernel { kernel in
                if let lookup = kernel as? EmbeddingLookup { try lookup.rows.validate(workspace) }
                guard profiling else { return kernel.run(workspace) }
                let start = DispatchTime.now().uptimeNanoseconds
                kernel.run(workspace)
                profile[String(describing: type(of: kernel)), default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            for k in outputs.indices { results[k] += output(k, samples: range.count) }
        }
        return results
    }

    /// Hands `body` every kernel in run order: the plan's, or each node's compiled just before
    /// and dropped after when the plan keeps no weights.
    private func forEachKernel(_ body: (any Kernel) throws -> Void) throws {
        if let kernels { return try kernels.forEach(body) }
        var compiler = PlanCompiler(graph: graph, input: input, weights: weights, kept: Set(outputs))
        while let next = try compiler.nextKernels() { try next.forEach(body) }
    }

    /// Output `k` of the current pass in PyTorch's layout (image maps back to channel-first).
    private func output(_ k: Int, samples: Int) -> [Float] {
        let shape = outputShape(k), perSample = shape.reduce(1, *)
        let source = workspace.buffers[outputValues[k]]
        guard shape.count == 3 else {
            return Array(UnsafeBufferPointer(start: source, count: samples * perSample))
        }
        return [Float](unsafeUninitializedCapacity: samples * perSample) { buffer, initialized in
            ChannelTranspose.transpose(source, buffer.baseAddress!, batch: samples, channels: shape[0], pixels: shape[1] * shape[2], .toChannelsFirst)
            initialized = samples * perSample
        }
    }
}
