import Tensors

/// Geometry of a 2-D sliding window over an NHWC activation, padding resolved to four sides.
struct Window: Sendable {
    var inHeight, inWidth, outHeight, outWidth: Int
    var kernel, stride, padTop, padLeft: Int
}

/// A dense convolution on NHWC activations: im2col into per-worker tiles, then one sgemm per tile
/// against weights laid out `[out, kh, kw, in]`; 1×1 stride-1 convolutions multiply the input
/// directly. Bias (a folded batch-norm's shift) and activation are applied to each tile while it
/// is still in cache.
struct Convolution: Kernel {
    let input: Int
    let output: Int
    let window: Window
    let inChannels: Int
    let outChannels: Int
    /// `[outChannels, kernel, kernel, inChannels]`.
    let weights: [Float]
    let epilogue: Epilogue
    /// Output pixels per im2col tile.
    let tileRows: Int

    var isPointwise: Bool { window.kernel == 1 && window.stride == 1 && window.padTop == 0 && window.padLeft == 0 }
    var depth: Int { window.kernel * window.kernel * inChannels }

    /// Floats of scratch each worker needs.
    var scratchNeeded: Int { isPointwise ? 0 : tileRows * depth }

    static func tileRows(depth: Int) -> Int { max(16, (1 << 18) / depth) }

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let pixels = workspace.batch * window.outHeight * window.outWidth
        weights.withUnsafeBufferPointer { weights in
            let w = weights.baseAddress!
            if isPointwise {
                Parallel.forEach(pixels, grain: 32) { rows, _ in
                    multiply(source + rows.lowerBound * inChannels, lda: inChannels, w, target + rows.lowerBound * outChannels, rows: rows.count)
                }
                return
            }
            let tiles = (pixels + tileRows - 1) / tileRows
            nonisolated(unsafe) let w2 = w
            Parallel.forEach(tiles) { tileRange, worker in
                let columns = workspace.scratch[worker]
                for tile in tileRange {
                    let first = tile * tileRows, count = min(tileRows, pixels - first)
                    im2col(source, into: columns, firstPixel: first, count: count)
                    multiply(columns, lda: depth, w2, target + first * outChannels, rows: count)
                }
            }
        }
    }

    private func multiply(_ a: UnsafePointer<Float>, lda: Int, _ w: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, rows: Int) {
        BLAS.sgemm(transposeB: true, m: rows, n: outChannels, k: lda, a: a, lda: lda, b: w, ldb: lda, c: c, ldc: outChannels)
        epilogue.apply(c, rows: rows, width: outChannels)
    }

    /// Writes the receptive fields of `count` output pixels from `firstPixel` as rows of `depth`.
    private func im2col(_ source: UnsafeMutablePointer<Float>, into columns: UnsafeMutablePointer<Float>, firstPixel: Int, count: Int) {
        let w = window, perImage = w.outHeight * w.outWidth
        let rowBytes = inChannels * MemoryLayout<Float>.stride
        for offset in 0..<count {
            let pixel = firstPixel + offset
            let image = pixel / perImage, y = pixel % perImage / w.outWidth, x = pixel % w.outWidth
            var column = columns + offset * depth
            let top = y * w.stride - w.padTop, left = x * w.stride - w.padLeft
            for ky in 0..<w.kernel {
                let iy = top + ky
                if iy < 0 || iy >= w.inHeight {
                    column.update(repeating: 0, count: w.kernel * inChannels)
                    column += w.kernel * inChannels
                    continue
                }
                let row = source + ((image * w.inHeight + iy) * w.inWidth) * inChannels
                for kx in 0..<w.kernel {
                    let ix = left + kx
                    if ix < 0 || ix >= w.inWidth {
                        column.update(repeating: 0, count: inChannels)
                    } else {
                        UnsafeMutableRawPointer(column).copyMemory(from: row + ix * inChannels, byteCount: rowBytes)
                    }
                    column += inChannels
                }
            }
        }
    }
}
