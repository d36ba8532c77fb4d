import Architectures
import Tensors

/// Batch normalisation of a trained group, as PyTorch's `BatchNorm2d` in training mode: batch
/// statistics over batch × height × width with the biased variance (one pass shifted by the first
/// row, summed in float over tiles of 32 rows and in double across them), the running statistics updated with the module's momentum and the unbiased variance, and the
/// backward pass through the batch statistics. With `activation` (ReLU or ReLU6, fused by
/// `TrainingLayout`) it writes the activation's output and reads the activation's gradient.
final class BatchNormStep: StoresInputGradient, FusedActivationStep, ModeDependentStep {
    let values: StepValues
    let name: String
    let channels: Int
    /// Rows of `channels` per sample (height × width).
    let pixels: Int
    let epsilon: Double
    let momentum: Double
    let activation: Activation?
    let gamma: Parameter, beta: Parameter, runningMean: Parameter, runningVariance: Parameter
    let store: ParameterStore
    private var mean: [Float], inverseDeviation: [Float]
    let writesWholeInputGradient = true
    var storesInputGradient = false
    var evaluating = false
    /// Training on the running statistics (`TrainingPlan.batchNormStatisticsFrozen`): μ and σ fixed,
    /// so the backward pass has no terms through them: `dx = γ·σ⁻¹·dz`.
    var frozenStatistics = false

    init(
        values: StepValues, name: String, channels: Int, pixels: Int, epsilon: Double, momentum: Double, activation: Activation?,
        store: ParameterStore
    ) {
        self.values = values
        self.name = name
        self.channels = channels
        self.pixels = pixels
        self.epsilon = epsilon
        self.momentum = momentum
        self.activation = activation
        self.store = store
        gamma = store[name + ".weight"]!
        beta = store[name + ".bias"]!
        runningMean = store[name + ".running_mean"]!
        runningVariance = store[name + ".running_var"]!
        mean = [Float](repeating: 0, count: channels)
        inverseDeviation = mean
    }

    func forward(_ workspace: Workspace) throws {
        let c = channels, rows = workspace.batch * pixels
        nonisolated(unsafe) let x = UnsafePointer(workspace.buffers[values.input])
        if evaluating || frozenStatistics {
            // The running statistics, untouched: as `model.eval()` computes.
            let scale = (0..<c).map { gamma.values[$0] / Float((Double(runningVariance.values[$0]) + epsilon).squareRoot()) }
            Self.normalise(activation, x, workspace.buffers[values.output], rows: rows, channels: c, mean: runningMean.valueArray, scale: scale, shift: beta.valueArray)
            if !evaluating {
                mean = runningMean.valueArray
                inverseDeviation = (0..<c).map { Float(1 / (Double(runningVariance.values[$0]) + epsilon).squareRoot()) }
            }
            return
        }
        // One pass, shifted by the first row so that the sums do not cancel:
        // [Σ (x − x₀) | Σ (x − x₀)²] per channel.
        let shift = Array(UnsafeBufferPointer(start: x, count: c))
        let sums = shift.withUnsafeBufferPointer { shift in
            nonisolated(unsafe) let shift = shift.baseAddress!
            return parallelColumnSums(rows: rows, width: 2 * c) { row, sums in
                let line = x + row * c, squares = sums + c
                for channel in 0..<c {
                    let centred = line[channel] - shift[channel]
                    sums[channel] += centred
                    squares[channel] += centred * centred
                }
            }
        }
        let m = momentum, n = Double(rows)
        for channel in 0..<c {
            let meanShift = sums[channel] / n
            let squares = max(0, sums[c + channel] - sums[channel] * meanShift)
            let variance = squares / n, batchMean = Double(shift[channel]) + meanShift
            mean[channel] = Float(batchMean)
            inverseDeviation[channel] = Float(1 / (variance + epsilon).squareRoot())
            let unbiased = rows > 1 ? squares / (n - 1) : variance
            runningMean.values[channel] = Float((1 - m) * Double(runningMean.values[channel]) + m * batchMean)
            runningVariance.values[channel] = Float((1 - m) * Double(runningVariance.values[channel]) + m * unbiased)
        }
        store.countBatch(name)
        let scale = (0..<c).map { gamma.values[$0] * inverseDeviation[$0] }
        Self.normalise(activation, x, workspace.buffers[values.output], rows: rows, channels: c, mean: mean, scale: scale, shift: beta.valueArray)
    }

    /// `y = f((x − μ)·scale + shift)` per channel over `rows` rows, `f` the fused activation: a
    /// trained batch-norm's output (centred first, which keeps the rounding of `x − μ` exact where
    /// |μ| ≫ σ), or a frozen one's (μ = 0).
    static func normalise(
        _ activation: Activation?, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, channels: Int, mean: [Float], scale: [Float],
        shift: [Float]
    ) {
        switch activation {
        case .none: normalise(Identity.self, x, y, rows, channels, mean, scale, shift)
        case .some(.relu): normalise(ReLU.self, x, y, rows, channels, mean, scale, shift)
        case .some(.relu6): normalise(ReLU6.self, x, y, rows, channels, mean, scale, shift)
        case .some(let other): preconditionFailure("\(other) cannot be fused into a batch-norm")
        }
    }

    private static func normalise<F: FusedActivation>(
        _: F.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ rows: Int, _ c: Int, _ mean: [Float], _ scale: [Float], _ shift: [Float]
    ) {
        nonisolated(unsafe) let x = x
        let constants = mean + scale + shift
        constants.withUnsafeBufferPointer { constants in
            nonisolated(unsafe) let mean = constants.baseAddress!, scale = mean + c, shift = mean + 2 * c
            parallelChunks(count: rows, minimumChunk: 256) { range in
                for row in range {
                    let i = x + row * c, o = y + row * c
                    for channel in 0..<c { o[channel] = F.apply((i[channel] - mean[channel]) * scale[channel] + shift[channel]) }
                }
            }
        }
    }

    /// With the activation's gradient `dz = f′(y)·dy` read at the output `y`: `dβ = Σ dz`,
    /// `dγ = Σ dz·x̂`, `dx = γ·σ⁻¹·(dz − mean(dz) − x̂·mean(dz·x̂))`.
    func backward<F: FusedActivation>(_: F.Type, _ workspace: Workspace) {
        let c = channels, rows = workspace.batch * pixels
        nonisolated(unsafe) let x = UnsafePointer(workspace.buffers[values.input]), y = UnsafePointer(workspace.buffers[values.output])
        nonisolated(unsafe) let dY = UnsafePointer(workspace.buffers[values.outputGradient])
        // Per-channel constants behind one pointer each (array subscripts' bounds checks would keep
        // the loops from vectorising): μ, σ⁻¹, then γ·σ⁻¹, mean(dz), mean(dz·x̂).
        let constants = UnsafeMutablePointer<Float>.allocate(capacity: 5 * c)
        defer { constants.deallocate() }
        nonisolated(unsafe) let mean = constants, inverse = constants + c
        mean.update(from: self.mean, count: c)
        inverse.update(from: inverseDeviation, count: c)
        let sums = parallelColumnSums(rows: rows, width: 2 * c) { row, sums in
            let i = x + row * c, o = y + row * c, g = dY + row * c, products = sums + c
            for channel in 0..<c {
                let dz = F.gradient(output: o[channel], g[channel])
                sums[channel] += dz
                products[channel] += dz * ((i[channel] - mean[channel]) * inverse[channel])
            }
        }
        if let gradient = beta.gradient { for channel in 0..<c { gradient[channel] += Float(sums[channel]) } }
        if let gradient = gamma.gradient { for channel in 0..<c { gradient[channel] += Float(sums[c + channel]) } }
        guard let dXValue = values.inputGradient else { return }
        let dX = workspace.buffers[dXValue], n = Double(rows)
        nonisolated(unsafe) let scale = constants + 2 * c, meanGradient = constants + 3 * c, meanGradientXHat = constants + 4 * c
        for channel in 0..<c {
            scale[channel] = gamma.values[channel] * inverse[channel]
            meanGradient[channel] = frozenStatistics ? 0 : Float(sums[channel] / n)
            meanGradientXHat[channel] = frozenStatistics ? 0 : Float(sums[c + channel] / n)
        }
        let storing = storesInputGradient
        parallelChunks(count: rows, minimumChunk: 256) { range in
            for row in range {
                let i = x + row * c, o = y + row * c, g = dY + row * c
                storeOrAdd(dX + row * c, count: c, storing: storing) { channel in
                    let xHat = (i[channel] - mean[channel]) * inverse[channel]
                    return scale[channel] * (F.gradient(output: o[channel], g[channel]) - meanGradient[channel] - xHat * meanGradientXHat[channel])
                }
            }
        }
    }
}

/// Batch normalisation of a frozen group that the gradient still passes through (a trained group
/// lies below it): the fixed affine map of its running statistics, as PyTorch's `eval()` mode,
/// with the activation `TrainingLayout` fused into it, if any (ReLU or ReLU6).
final class FrozenBatchNormStep: StoresInputGradient, FusedActivationStep {
    let values: StepValues
    let channels: Int
    let pixels: Int
    let scale: [Float]
    let shift: [Float]
    let activation: Activation?
    private let zeros: [Float]
    let writesWholeInputGradient = true
    var storesInputGradient = false
    var evaluating = false

    init(values: StepValues, channels: Int, pixels: Int, scale: [Float], shift: [Float], activation: Activation?) {
        self.values = values
        self.channels = channels
        self.pixels = pixels
        self.scale = scale
        self.shift = shift
        self.activation = activation
        zeros = [Float](repeating: 0, count: channels)
    }

    func forward(_ workspace: Workspace) throws {
        BatchNormStep.normalise(
            activation, workspace.buffers[values.input], workspace.buffers[values.output], rows: workspace.batch * pixels, channels: channels, mean: zeros,
            scale: scale, shift: shift)
    }

    /// `dx += f′(y)·dy·scale` (or `=`, as the first writer).
    func backward<F: FusedActivation>(_: F.Type, _ workspace: Workspace) {
        guard let dXValue = values.inputGradient else { return }
        nonisolated(unsafe) let y = UnsafePointer(workspace.buffers[values.output]), dY = UnsafePointer(workspace.buffers[values.outputGradient])
        let dX = workspace.buffers[dXValue], c = channels, rows = workspace.batch * pixels
        let storing = storesInputGradient
        scale.withUnsafeBufferPointer { scale in
            nonisolated(unsafe) let scale = scale.baseAddress!
            parallelChunks(count: rows, minimumChunk: 256) { range in
                for row in range {
                    let o = y + row * c, g = dY + row * c
                    storeOrAdd(dX + row * c, count: c, storing: storing) { F.gradient(output: o[$0], g[$0]) * scale[$0] }
                }
            }
        }
    }
}

/// A batch-norm step with the activation `TrainingLayout` fused into it: its backward pass is
/// written once per activation (`backward(_:_:)`, specialised), and `backward(_:)` picks it.
protocol FusedActivationStep: TrainingStep {
    var activation: Activation? { get }
    func backward<F: FusedActivation>(_: F.Type, _ workspace: Workspace)
}

extension FusedActivationStep {
    func backward(_ workspace: Workspace) {
        switch activation {
        case .none: backward(Identity.self, workspace)
        case .some(.relu): backward(ReLU.self, workspace)
        case .some(.relu6): backward(ReLU6.self, workspace)
        case .some(let other): preconditionFailure("\(other) cannot be fused into a batch-norm")
        }
    }
}

/// An activation a batch-norm step applies itself (ReLU, ReLU6, or none), with its derivative
/// read at its output (`Activation.isGradientReadableFromOutput`), written as selects the loops
/// vectorise.
protocol FusedActivation: ElementFunction {
    static func gradient(output y: Float, _ dy: Float) -> Float
}

extension Identity: FusedActivation {
    @inline(__always) static func gradient(output y: Float, _ dy: Float) -> Float { dy }
}

extension ReLU: FusedActivation {
    @inline(__always) static func gradient(output y: Float, _ dy: Float) -> Float { y > 0 ? dy : 0 }
}

extension ReLU6: FusedActivation {
    @inline(__always) static func gradient(output y: Float, _ dy: Float) -> Float { y > 0 ? (y < 6 ? dy : 0) : 0 }
}
