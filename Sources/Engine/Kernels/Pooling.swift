import Tensors

/// Max pooling on NHWC activations, padding counted as −∞ (PyTorch's `MaxPool2d`).
struct MaxPool: Kernel {
    let input: Int
    let output: Int
    let window: Window
    let channels: Int

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let w = window, c = channels
        parallelChunks(count: workspace.batch * w.outHeight, minimumChunk: 4) { rows in
            for row in rows {
                let image = row / w.outHeight, y = row % w.outHeight
                for x in 0..<w.outWidth {
                    let out = target + (row * w.outWidth + x) * c
                    out.update(repeating: -.infinity, count: c)
                    for ky in 0..<w.kernel {
                        let iy = y * w.stride - w.padTop + ky
                        guard iy >= 0 && iy < w.inHeight else { continue }
                        for kx in 0..<w.kernel {
                            let ix = x * w.stride - w.padLeft + kx
                            guard ix >= 0 && ix < w.inWidth else { continue }
                            let i = source + ((image * w.inHeight + iy) * w.inWidth + ix) * c
                            for channel in 0..<c { out[channel] = max(out[channel], i[channel]) }
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
