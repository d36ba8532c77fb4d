import Tensors

/// A depthwise convolution (one filter per channel) in training. The forward pass is the inference
/// kernel over taps repacked each step (`[C, 1, kh, kw]` → `[kh·kw, C]`); the backward pass splits
/// the channels between workers, each adding its channels' weight gradient and input gradient.
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
        var dTaps = [Float](repeating: 0, count: weight.count)
        taps.withUnsafeBufferPointer { taps in
            dTaps.withUnsafeMutableBufferPointer { dTaps in
                let taps = taps.baseAddress!, dTaps = dTaps.baseAddress!
                nonisolated(unsafe) let (t, dt) = (taps, dTaps)
                parallelChunks(count: c, minimumChunk: 16) { range in
                    let first = range.lowerBound, width = range.count
                    for image in 0..<batch {
                        for y in 0..<w.outHeight {
                            for ky in 0..<k {
                                let iy = y * w.stride - w.padTop + ky
                                guard iy >= 0 && iy < w.inHeight else { continue }
                                let inRow = (image * w.inHeight + iy) * w.inWidth
                                let outRow = (image * w.outHeight + y) * w.outWidth
                                for kx in 0..<k {
                                    let tap = (ky * k + kx) * c + first
                                    let shift = kx - w.padLeft
                                    for x in 0..<w.outWidth {
                                        let ix = x * w.stride + shift
                                        guard ix >= 0 && ix < w.inWidth else { continue }
                                        let g = dY + (outRow + x) * c + first, i = source + (inRow + ix) * c + first
                                        if weightGradient != nil { for channel in 0..<width { dt[tap + channel] += g[channel] * i[channel] } }
                                        if let dX {
                                            let d = dX + (inRow + ix) * c + first
                                            for channel in 0..<width { d[channel] += g[channel] * t[tap + channel] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let weightGradient {
            let k2 = k * k
            for channel in 0..<c { for tap in 0..<k2 { weightGradient[channel * k2 + tap] += dTaps[tap * c + channel] } }
        }
    }
}
