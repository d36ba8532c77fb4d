import Tensors

/// `y = x·Wᵀ + b` over rows of `inFeatures` (every token of every sample, or one vector per
/// sample), weights as PyTorch stores them `[out, in]`. Many rows are split between workers by
/// rows; a few rows (a classifier on a small batch) by output columns.
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
            let w = weights.baseAddress!
            if rows >= 64 {
                Parallel.forEach(rows, grain: 32) { range, _ in
                    let out = target + range.lowerBound * n
                    BLAS.sgemm(transposeB: true, m: range.count, n: n, k: k, a: source + range.lowerBound * k, lda: k, b: w, ldb: k, c: out, ldc: n)
                    epilogue.apply(out, rows: range.count, width: n)
                }
            } else {
                nonisolated(unsafe) let w = w
                Parallel.forEach(n, grain: 64) { columns, _ in
                    BLAS.sgemm(
                        transposeB: true, m: rows, n: columns.count, k: k, a: source, lda: k, b: w + columns.lowerBound * k, ldb: k,
                        c: target + columns.lowerBound, ldc: n)
                }
                epilogue.apply(target, rows: rows, width: n)
            }
        }
    }
}
