import Tensors

/// Max pooling in training: the forward pass runs `MaxPool` recording, per output, the input
/// position it took (the first maximum in window order, as PyTorch's kernel), and the backward
/// pass routes each output gradient there.
final class MaxPoolStep: TrainingStep {
    let values: StepValues
    let window: Window
    let channels: Int
    private var argmax: [Int32] = []

    init(values: StepValues, window: Window, channels: Int) {
        self.values = values
        self.window = window
        self.channels = channels
    }

    func forward(_ workspace: Workspace) throws {
        argmax = [Int32](repeating: -1, count: workspace.batch * window.outHeight * window.outWidth * channels)
        argmax.withUnsafeMutableBufferPointer { argmax in
            MaxPool(input: values.input, output: values.output, window: window, channels: channels).run(workspace, argmax: argmax.baseAddress!)
        }
    }

    func backward(_ workspace: Workspace) {
        guard let dXValue = values.inputGradient else { return }
        let dY = workspace.buffers[values.outputGradient], dX = workspace.buffers[dXValue]
        let w = window, c = channels, perImage = w.outHeight * w.outWidth
        argmax.withUnsafeBufferPointer { argmax in
            let argmax = argmax.baseAddress!
            parallelChunks(count: workspace.batch, minimumChunk: 1) { images in
                for image in images {
                    let base = dX + image * w.inHeight * w.inWidth * c
                    for cell in image * perImage..<(image + 1) * perImage {
                        for channel in 0..<c {
                            base[Int(argmax[cell * c + channel]) * c + channel] += dY[cell * c + channel]
                        }
                    }
                }
            }
        }
    }
}

/// Adaptive average pooling in training (PyTorch's bins): each output's gradient is shared
/// equally by the inputs of its bin.
final class AveragePoolStep: TrainingStep {
    let values: StepValues
    let inHeight: Int, inWidth: Int, size: Int, channels: Int

    init(values: StepValues, inHeight: Int, inWidth: Int, size: Int, channels: Int) {
        self.values = values
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.size = size
        self.channels = channels
    }

    func forward(_ workspace: Workspace) throws {
        AdaptiveAveragePool(input: values.input, output: values.output, inHeight: inHeight, inWidth: inWidth, size: size, channels: channels).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        guard let dXValue = values.inputGradient else { return }
        let dY = workspace.buffers[values.outputGradient], dX = workspace.buffers[dXValue]
        let c = channels, size = size, inHeight = inHeight, inWidth = inWidth
        parallelChunks(count: workspace.batch, minimumChunk: 1) { images in
            for image in images {
                for cell in 0..<size * size {
                    let y = cell / size, x = cell % size
                    let top = y * inHeight / size, bottom = ((y + 1) * inHeight + size - 1) / size
                    let left = x * inWidth / size, right = ((x + 1) * inWidth + size - 1) / size
                    let g = dY + (image * size * size + cell) * c
                    let scale = 1 / Float((bottom - top) * (right - left))
                    for iy in top..<bottom {
                        for ix in left..<right {
                            let d = dX + ((image * inHeight + iy) * inWidth + ix) * c
                            for channel in 0..<c { d[channel] += g[channel] * scale }
                        }
                    }
                }
            }
        }
    }
}
