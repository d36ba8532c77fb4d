import Tensors

/// `y = x·Wᵀ + b` over rows of `inFeatures` (every token of every sample, or one vector per
/// sample), weights as PyTorch stores them `[out, in]`: one sgemm (OpenBLAS spreads it over the
/// cores), then the epilogue split between workers.
struct Linear: Kernel {
    let input: Int
    let output: Int
    /// Rows per sample (tokens, or 1).
    let rowsPerSample: Int
    let inFeatures: Int
    let outFeatures: Int
    let weights: [Float]
    let epilogue: Epilogue

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let rows = workspace.batch * rowsPerSample
        let n = outFeatures, k = inFeatures
        weights.withUnsafeBufferPointer { weights in
            BLAS.sgemm(transposeB: true, m: rows, n: n, k: k, a: source, lda: k, b: weights.baseAddress!, ldb: k, c: target, ldc: n)
        }
        parallelChunks(count: rows, minimumChunk: 16) { range in
            epilogue.apply(target + range.lowerBound * n, rows: range.count, width: n)
        }
    }
}
