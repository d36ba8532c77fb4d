import Foundation
import Tensors

/// Batch normalisation of a trained group, as PyTorch's `BatchNorm2d` in training mode: batch
/// statistics over batch × height × width with the biased variance (in double precision), the
/// running statistics updated with the module's momentum and the unbiased variance, and the
/// backward pass through the batch statistics.
final class BatchNormStep: TrainingStep {
    let values: StepValues
    let name: String
    let channels: Int
    /// Rows of `channels` per sample (height × width).
    let pixels: Int
    let epsilon: Double
    let momentum: Double
    let gamma: Parameter, beta: Parameter, runningMean: Parameter, runningVariance: Parameter
    let store: ParameterStore
    private var mean: [Float], inverseDeviation: [Float]

    init(values: StepValues, name: String, channels: Int, pixels: Int, epsilon: Double, momentum: Double, store: ParameterStore) {
        self.values = values
        self.name = name
        self.channels = channels
        self.pixels = pixels
        self.epsilon = epsilon
        self.momentum = momentum
        self.store = store
        gamma = store[name + ".weight"]!
        beta = store[name + ".bias"]!
        runningMean = store[name + ".running_mean"]!
        runningVariance = store[name + ".running_var"]!
        mean = [Float](repeating: 0, count: channels)
        inverseDeviation = mean
    }

    func forward(_ workspace: Workspace) throws {
        let source = workspace.buffers[values.input], target = workspace.buffers[values.output], c = channels
        let rows = workspace.batch * pixels
        nonisolated(unsafe) let x = source
        let means = parallelColumnSums(rows: rows, width: c) { row, sums in
            let line = x + row * c
            for channel in 0..<c { sums[channel] += Double(line[channel]) }
        }.map { $0 / Double(rows) }
        let squares = parallelColumnSums(rows: rows, width: c) { row, sums in
            let line = x + row * c
            for channel in 0..<c {
                let centred = Double(line[channel]) - means[channel]
                sums[channel] += centred * centred
            }
        }
        let m = momentum
        for channel in 0..<c {
            let variance = squares[channel] / Double(rows)
            mean[channel] = Float(means[channel])
            inverseDeviation[channel] = Float(1 / (variance + epsilon).squareRoot())
            let unbiased = rows > 1 ? squares[channel] / Double(rows - 1) : variance
            runningMean.values[channel] = Float((1 - m) * Double(runningMean.values[channel]) + m * means[channel])
            runningVariance.values[channel] = Float((1 - m) * Double(runningVariance.values[channel]) + m * unbiased)
        }
        store.countBatch(name)
        let g = gamma.values, b = beta.values, mean = mean, inverse = inverseDeviation
        parallelChunks(count: rows, minimumChunk: 256) { range in
            for row in range {
                let i = x + row * c, y = target + row * c
                for channel in 0..<c { y[channel] = (i[channel] - mean[channel]) * inverse[channel] * g[channel] + b[channel] }
            }
        }
    }

    func backward(_ workspace: Workspace) {
        let dY = workspace.buffers[values.outputGradient], c = channels
        let rows = workspace.batch * pixels
        nonisolated(unsafe) let x = workspace.buffers[values.input]
        let mean = mean, inverse = inverseDeviation
        // [Σ dy | Σ dy·x̂] per channel.
        let sums = parallelColumnSums(rows: rows, width: 2 * c) { row, sums in
            let i = x + row * c, g = dY + row * c
            for channel in 0..<c {
                let xHat = Double((i[channel] - mean[channel]) * inverse[channel])
                sums[channel] += Double(g[channel])
                sums[c + channel] += Double(g[channel]) * xHat
            }
        }
        if let gradient = beta.gradient { for channel in 0..<c { gradient[channel] += Float(sums[channel]) } }
        if let gradient = gamma.gradient { for channel in 0..<c { gradient[channel] += Float(sums[c + channel]) } }
        guard let dXValue = values.inputGradient else { return }
        let dX = workspace.buffers[dXValue], n = Double(rows)
        // dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂))
        let scale = (0..<c).map { Float(gamma.values[$0]) * inverse[$0] }
        let meanGradient = (0..<c).map { Float(sums[$0] / n) }, meanGradientXHat = (0..<c).map { Float(sums[c + $0] / n) }
        parallelChunks(count: rows, minimumChunk: 256) { range in
            for row in range {
                let i = x + row * c, g = dY + row * c, d = dX + row * c
                for channel in 0..<c {
                    let xHat = (i[channel] - mean[channel]) * inverse[channel]
                    d[channel] += scale[channel] * (g[channel] - meanGradient[channel] - xHat * meanGradientXHat[channel])
                }
            }
        }
    }
}

/// Batch normalisation of a frozen group that the gradient still passes through (a trained group
/// lies below it): the fixed affine map of its running statistics, as PyTorch's `eval()` mode.
final class FrozenBatchNormStep: TrainingStep {
    let values: StepValues
    let channels: Int
    let pixels: Int
    let scale: [Float]
    let shift: [Float]

    init(values: StepValues, channels: Int, pixels: Int, scale: [Float], shift: [Float]) {
        self.values = values
        self.channels = channels
        self.pixels = pixels
        self.scale = scale
        self.shift = shift
    }

    func forward(_ workspace: Workspace) throws {
        let perSample = pixels * channels
        ChannelAffine(input: values.input, output: values.output, channels: channels, perSample: perSample, scale: scale, epilogue: Epilogue(bias: shift, activation: nil))
            .run(workspace)
    }

    func backward(_ workspace: Workspace) {
        guard let dXValue = values.inputGradient else { return }
        let dY = workspace.buffers[values.outputGradient], dX = workspace.buffers[dXValue], c = channels
        let rows = workspace.batch * pixels, scale = scale
        parallelChunks(count: rows, minimumChunk: 256) { range in
            for row in range {
                let g = dY + row * c, d = dX + row * c
                for channel in 0..<c { d[channel] += g[channel] * scale[channel] }
            }
        }
    }
}
