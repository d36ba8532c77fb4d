import Architectures
import Tensors

/// An activation on its own (training never fuses it into the kernel before it: backward reads
/// the activation's input).
final class ActivationStep: StoresInputGradient {
    let values: StepValues
    let activation: Activation
    let perSample: Int
    let writesWholeInputGradient = true
    var storesInputGradient = false

    init(values: StepValues, activation: Activation, perSample: Int) {
        self.values = values
        self.activation = activation
        self.perSample = perSample
    }

    func forward(_ workspace: Workspace) throws {
        Activate(input: values.input, output: values.output, perSample: perSample, epilogue: Epilogue(bias: nil, activation: activation)).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        guard let dX = values.inputGradient else { return }
        activation.addGradient(
            input: workspace.buffers[values.input], outputGradient: workspace.buffers[values.outputGradient], into: workspace.buffers[dX],
            count: workspace.batch * perSample, storing: storesInputGradient)
    }
}

/// The element-wise sum of residual branches: every input receives the output's gradient.
final class SumStep: TrainingStep {
    let values: StepValues
    let perSample: Int

    init(values: StepValues, perSample: Int) {
        self.values = values
        self.perSample = perSample
    }

    func forward(_ workspace: Workspace) throws {
        Sum(inputs: values.inputs, output: values.output, perSample: perSample, activation: .none).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        let dY = workspace.buffers[values.outputGradient]
        for case let dX? in values.inputGradients { addInto(workspace.buffers[dX], dY, count: workspace.batch * perSample) }
    }
}

/// Squeeze-and-excitation's channel gate `y = x·s` (s per sample and channel): `dx = dy·s`,
/// `ds = Σ_pixels dy·x`.
final class ChannelGateStep: TrainingStep {
    let values: StepValues
    let pixels: Int
    let channels: Int

    init(values: StepValues, pixels: Int, channels: Int) {
        self.values = values
        self.pixels = pixels
        self.channels = channels
    }

    func forward(_ workspace: Workspace) throws {
        ChannelScale(input: values.inputs[0], gate: values.inputs[1], output: values.output, pixels: pixels, channels: channels).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        let x = workspace.buffers[values.inputs[0]], s = workspace.buffers[values.inputs[1]], dY = workspace.buffers[values.outputGradient]
        let c = channels, pixels = pixels
        let dX = values.inputGradients[0].map { workspace.buffers[$0] }, dS = values.inputGradients[1].map { workspace.buffers[$0] }
        parallelChunks(count: workspace.batch, minimumChunk: 1) { samples in
            for sample in samples {
                var sums = [Double](repeating: 0, count: c)
                for pixel in 0..<pixels {
                    let offset = (sample * pixels + pixel) * c
                    let g = dY + offset, i = x + offset, scale = s + sample * c
                    if let dX { for channel in 0..<c { dX[offset + channel] += g[channel] * scale[channel] } }
                    if dS != nil { for channel in 0..<c { sums[channel] += Double(g[channel] * i[channel]) } }
                }
                if let dS { for channel in 0..<c { dS[sample * c + channel] += Float(sums[channel]) } }
            }
        }
    }
}

/// Dropout in training: a mask drawn from a SplitMix64 stream seeded by the plan's seed, the
/// step count and the node, inputs kept with probability 1 − p and scaled by 1/(1 − p); in
/// evaluation, or at p = 0, the identity.
final class DropoutStep: ModeDependentStep {
    let values: StepValues
    let probability: Double
    let perSample: Int
    let seed: UInt64
    /// Draws so far: each forward pass takes a fresh mask.
    var passes: UInt64 = 0
    var isTraining = true
    var evaluating = false
    private var mask: [Float] = []

    init(values: StepValues, probability: Double, perSample: Int, seed: UInt64) {
        self.values = values
        self.probability = probability
        self.perSample = perSample
        self.seed = seed
    }

    private var isActive: Bool { isTraining && !evaluating && probability > 0 }

    func forward(_ workspace: Workspace) throws {
        let count = workspace.batch * perSample
        let source = workspace.buffers[values.input], target = workspace.buffers[values.output]
        guard isActive else {
            target.update(from: source, count: count)
            return
        }
        var generator = SplitMix64(seed: seed &+ passes &* 0x9E37_79B9_7F4A_7C15)
        passes += 1
        let keep = Float(1 / (1 - probability)), threshold = UInt64((1 - probability) * 0x1p53)
        mask = (0..<count).map { _ in generator.next() >> 11 < threshold ? keep : 0 }
        for index in 0..<count { target[index] = source[index] * mask[index] }
    }

    func backward(_ workspace: Workspace) {
        guard let dXValue = values.inputGradient else { return }
        let dY = workspace.buffers[values.outputGradient], dX = workspace.buffers[dXValue], count = workspace.batch * perSample
        guard isActive else { return addInto(dX, dY, count: count) }
        for index in 0..<count { dX[index] += dY[index] * mask[index] }
    }
}
