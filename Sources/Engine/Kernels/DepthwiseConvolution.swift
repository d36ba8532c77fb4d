import Tensors

/// A depthwise convolution (one filter per channel) on NHWC activations: for each tap, one
/// vectorised multiply-add over all channels of a whole output row. Weights `[kh, kw, channels]`.
struct DepthwiseConvolution: Kernel {
    let input: Int
    let output: Int
    let window: Window
    let channels: Int
    let weights: [Float]
    /// Every output starts from this (a folded batch-norm's shift, or zeros).
    let bias: [Float]
    let epilogue: Epilogue

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let w = window, c = channels
        parallelChunks(count: workspace.batch * w.outHeight, minimumChunk: 4) { rows in
            weights.withUnsafeBufferPointer { weights in
                bias.withUnsafeBufferPointer { bias in
                    for row in rows {
                        let image = row / w.outHeight, y = row % w.outHeight
                        let out = target + row * w.outWidth * c
                        for x in 0..<w.outWidth { (out + x * c).update(from: bias.baseAddress!, count: c) }
                        for ky in 0..<w.kernel {
                            let iy = y * w.stride - w.padTop + ky
                            guard iy >= 0 && iy < w.inHeight else { continue }
                            let line = source + (image * w.inHeight + iy) * w.inWidth * c
                            for kx in 0..<w.kernel {
                                let tap = weights.baseAddress! + (ky * w.kernel + kx) * c
                                // Output columns whose input column left + kx lies inside the image.
                                let shift = kx - w.padLeft
                                let first = max(0, (-shift + w.stride - 1) / w.stride)
                                let lastInside = w.inWidth - 1 - shift
                                let last = lastInside < 0 ? -1 : min(w.outWidth - 1, lastInside / w.stride)
                                guard first <= last else { continue }
                                for x in first...last {
                                    let o = out + x * c, i = line + (x * w.stride + shift) * c
                                    for channel in 0..<c { o[channel] += tap[channel] * i[channel] }
                                }
                            }
                        }
                        epilogue.apply(out, rows: w.outWidth, width: c)
                    }
                }
            }
        }
    }
}
