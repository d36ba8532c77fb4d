import Tensors

/// Max pooling on NHWC activations, padding counted as −∞ (PyTorch's `MaxPool2d`, except that
/// inference skips a NaN input where PyTorch would propagate it).
struct MaxPool: Kernel {
    let input: Int
    let output: Int
    let window: Window
    let channels: Int

    func run(_ workspace: Workspace) { run(workspace, argmax: nil) }

    /// Pools; given `argmax` (one `Int32` per output, all −1), also records for each output the
    /// input position `iy·inWidth + ix` it took, for the training step's backward pass: the first
    /// maximum in window order, a NaN winning, as PyTorch's kernel. The branch sits outside the
    /// channel loop, so inference keeps its plain `max` loop.
    func run(_ workspace: Workspace, argmax: UnsafeMutablePointer<Int32>?) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let w = window, c = channels
        parallelChunks(count: workspace.batch * w.outHeight, minimumChunk: 4) { rows in
            for row in rows {
                let image = row / w.outHeight, y = row % w.outHeight
                for x in 0..<w.outWidth {
                    let cell = (row * w.outWidth + x) * c
                    let out = target + cell
                    out.update(repeating: -.infinity, count: c)
                    for ky in 0..<w.kernel {
                        let iy = y * w.stride - w.padTop + ky
                        guard iy >= 0 && iy < w.inHeight else { continue }
                        for kx in 0..<w.kernel {
                            let ix = x * w.stride - w.padLeft + kx
                            guard ix >= 0 && ix < w.inWidth else { continue }
                            let i = source + ((image * w.inHeight + iy) * w.inWidth + ix) * c
                            if let argmax {
                                let at = argmax + cell, position = Int32(iy * w.inWidth + ix)
                                for channel in 0..<c where i[channel] > out[channel] || i[channel].isNaN || at[channel] < 0 {
                                    out[channel] = i[channel]
                                    at[channel] = position
                                }
                            } else {
                                for channel in 0..<c { out[channel] = max(out[channel], i[channel]) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adaptive average pooling to `size × size` on NHWC activations, with PyTorch's bins: output
/// cell i covers input rows ⌊i·H/size⌋ ..< ⌈(i+1)·H/size⌉ (likewise for columns).
struct AdaptiveAveragePool: Kernel {
    let input: Int
    let output: Int
    let inHeight: Int
    let inWidth: Int
    let size: Int
    let channels: Int

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let c = channels, size = size, inHeight = inHeight, inWidth = inWidth
        parallelChunks(count: workspace.batch * size * size, minimumChunk: 1) { cells in
            for cell in cells {
                let image = cell / (size * size), y = cell % (size * size) / size, x = cell % size
                let top = y * inHeight / size, bottom = ((y + 1) * inHeight + size - 1) / size
                let left = x * inWidth / size, right = ((x + 1) * inWidth + size - 1) / size
                let out = target + cell * c
                out.update(repeating: 0, count: c)
                for iy in top..<bottom {
                    for ix in left..<right {
                        let i = source + ((image * inHeight + iy) * inWidth + ix) * c
                        for channel in 0..<c { out[channel] += i[channel] }
                    }
                }
                let scale = 1 / Float((bottom - top) * (right - left))
                for channel in 0..<c { out[channel] *= scale }
            }
        }
    }
}
