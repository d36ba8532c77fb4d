import Tensors

/// Flattening an NHWC map into PyTorch's channel-first feature vector (a copy when the map is
/// 1×1); the backward pass transposes the gradient back.
final class FlattenStep: TrainingStep {
    let values: StepValues
    let channels: Int
    let pixels: Int

    init(values: StepValues, channels: Int, pixels: Int) {
        self.values = values
        self.channels = channels
        self.pixels = pixels
    }

    func forward(_ workspace: Workspace) throws {
        ChannelTranspose(input: values.input, output: values.output, channels: channels, pixels: pixels, direction: .toChannelsFirst).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        guard let dXValue = values.inputGradient else { return }
        let dY = workspace.buffers[values.outputGradient], dX = workspace.buffers[dXValue], c = channels, pixels = pixels
        for sample in 0..<workspace.batch {
            let g = dY + sample * c * pixels, d = dX + sample * c * pixels
            for pixel in 0..<pixels { for channel in 0..<c { d[pixel * c + channel] += g[channel * pixels + pixel] } }
        }
    }
}

/// The first token's vector (`[CLS]`): its gradient goes to the first token alone.
final class FirstTokenStep: TrainingStep {
    let values: StepValues
    let length: Int
    let dimension: Int

    init(values: StepValues, length: Int, dimension: Int) {
        self.values = values
        self.length = length
        self.dimension = dimension
    }

    func forward(_ workspace: Workspace) throws {
        FirstToken(input: values.input, output: values.output, length: length, dimension: dimension).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        guard let dXValue = values.inputGradient else { return }
        let dY = workspace.buffers[values.outputGradient], dX = workspace.buffers[dXValue]
        for sample in 0..<workspace.batch { addInto(dX + sample * length * dimension, dY + sample * dimension, count: dimension) }
    }
}
