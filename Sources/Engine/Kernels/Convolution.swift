import Tensors

/// A dense convolution on NHWC activations: im2col into a tile (built by all workers), then one
/// sgemm per tile against weights laid out `[out, kh, kw, in]`; 1×1 stride-1 convolutions
/// multiply the input directly. Bias (a folded batch-norm's shift) and activation are applied to each tile while it
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
    /// Output pixels per im2col tile (about 4 MB of columns: large enough for OpenBLAS to thread
    /// the product well, small enough to stay near the cache).
    let tileRows: Int

    var isPointwise: Bool { window.kernel == 1 && window.stride == 1 && window.padTop == 0 && window.padLeft == 0 }
    var depth: Int { window.depth(channels: inChannels) }

    /// Floats of scratch the im2col tile needs.
    var scratchNeeded: Int { isPointwise ? 0 : tileRows * depth }

    static func tileRows(depth: Int) -> Int { max(64, (1 << 20) / depth) }

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let pixels = workspace.batch * window.outHeight * window.outWidth
        weights.withUnsafeBufferPointer { weights in
            if isPointwise {
                multiply(source, lda: inChannels, weights.baseAddress!, target, rows: pixels)
                return
            }
            let columns = workspace.scratch
            for first in stride(from: 0, to: pixels, by: tileRows) {
                let count = min(tileRows, pixels - first)
                parallelChunks(count: count, minimumChunk: 64) { rows in window.im2col(source, channels: inChannels, into: columns, firstPixel: first, rows: rows) }
                multiply(columns, lda: depth, weights.baseAddress!, target + first * outChannels, rows: count)
            }
        }
    }

    private func multiply(_ a: UnsafePointer<Float>, lda: Int, _ w: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, rows: Int) {
        BLAS.sgemm(transposeB: true, m: rows, n: outChannels, k: lda, a: a, lda: lda, b: w, ldb: lda, c: c, ldc: outChannels)
        parallelChunks(count: rows, minimumChunk: 64) { range in epilogue.apply(c + range.lowerBound * outChannels, rows: range.count, width: outChannels) }
    }
}
