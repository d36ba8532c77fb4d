import Tensors

/// A depthwise convolution (one filter per channel) in training. The forward pass is the inference
/// kernel over taps repacked each step (`[C, 1, kh, kw]` → `[kh·kw, C]`); the backward pass splits
/// the images between workers, each vectorised over all channels of a pixel.
final class DepthwiseStep: TrainingStep {
    let values: StepValues
    let window: Window
    let channels: Int
    let weight: Parameter
    let bias: Parameter?
    private var taps: [Float]

    init(values: StepValues, window: Window, channels: Int, weight: Parameter, bias: Parameter?) {
        self.values = values
        self.window = window
        self.channels = channels
        self.weight = weight
        self.bias = bias
        taps = [Float](repeating: 0, count: weight.count)
    }

    func forward(_ workspace: Workspace) throws {
        let k2 = window.kernel * window.kernel, c = channels, w = weight.values
        taps.withUnsafeMutableBufferPointer { taps in
            for channel in 0..<c { for tap in 0..<k2 { taps[tap * c + channel] = w[channel * k2 + tap] } }
        }
        DepthwiseConvolution(
            input: values.input, output: values.output, window: window, channels: c, weights: taps,
            bias: bias?.valueArray ?? [Float](repeating: 0, count: c), epilogue: .none
        ).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        let source = workspace.buffers[values.input], dY = workspace.buffers[values.outputGradient]
        let dX = values.inputGradient.map { workspace.buffers[$0] }
        let w = window, c = channels, k = w.kernel, batch = workspace.batch
        if let bias, let gradient = bias.gradient { addColumnSums(dY, rows: batch * w.outHeight * w.outWidth, width: c, into: gradient) }
        let weightGradient = weight.gradient
        // Images split between workers: each adds its images' input gradient (disjoint) and
        // its own partial weight gradient; partials are added in worker order.
        let workers = max(1, min(workerThreadCount, batch))
        var partials = [Float](repeating: 0, count: workers * k * k * c)
        taps.withUnsafeBufferPointer { taps in
            partials.withUnsafeMutableBufferPointer { partials in
                nonisolated(unsafe) let (t, base) = (taps.baseAddress!, partials.baseAddress!)
                parallelChunks(count: workers, minimumChunk: 1) { range in
                    for worker in range {
                        let dt = base + worker * k * k * c
                        for image in batch * worker / workers..<batch * (worker + 1) / workers {
                            for y in 0..<w.outHeight {
                                for ky in 0..<k {
                                    let iy = y * w.stride - w.padTop + ky
                                    guard iy >= 0 && iy < w.inHeight else { continue }
                                    let inRow = (image * w.inHeight + iy) * w.inWidth
                                    let outRow = (image * w.outHeight + y) * w.outWidth
                                    for kx in 0..<k {
                                        let tapWeights = t + (ky * k + kx) * c, tapGradient = dt + (ky * k + kx) * c
                                        let shift = kx - w.padLeft
                                        let first = max(0, (-shift + w.stride - 1) / w.stride)
                                        let lastInside = w.inWidth - 1 - shift
                                        let last = lastInside < 0 ? -1 : min(w.outWidth - 1, lastInside / w.stride)
                                        guard first <= last else { continue }
                                        for x in first...last {
                                            let column = inRow + x * w.stride + shift
                                            let g = dY + (outRow + x) * c, i = source + column * c
                                            if weightGradient != nil { for channel in 0..<c { tapGradient[channel] += g[channel] * i[channel] } }
                                            if let dX {
                                                let d = dX + column * c
                                                for channel in 0..<c { d[channel] += g[channel] * tapWeights[channel] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard let weightGradient else { return }
        let k2 = k * k
        for worker in 0..<workers {
            for channel in 0..<c { for tap in 0..<k2 { weightGradient[channel * k2 + tap] += partials[(worker * k2 + tap) * c + channel] } }
        }
    }
}
