import Tensors

/// Scaled dot-product self-attention with a padding mask, per (sample, head): scores = Q·Kᵀ/√d
/// with masked keys set to the lowest float (as transformers' eager attention), softmax, then
/// the weighted sum of V. Q, K, V and the output are `[batch, tokens, hidden]` with head h in
/// columns h·d ..< (h+1)·d, so no transposes are needed.
struct Attention: Kernel {
    let query: Int
    let key: Int
    let value: Int
    let output: Int
    let length: Int
    let hidden: Int
    let heads: Int

    /// Scores of one head per worker.
    var scratchNeeded: Int { workerThreadCount * length * length }

    func run(_ workspace: Workspace) {
        let q = workspace.buffers[query], k = workspace.buffers[key], v = workspace.buffers[value], o = workspace.buffers[output]
        let t = length, h = hidden, d = hidden / heads, heads = heads
        let scale = 1 / Float(Double(d).squareRoot())
        nonisolated(unsafe) let scratch = workspace.scratch
        workspace.attentionMask.withUnsafeBufferPointer { mask in
            nonisolated(unsafe) let mask = mask.baseAddress!
            BLAS.independentProducts(count: workspace.batch * heads) { pairs, worker in
                let scores = scratch + worker * t * t
                for pair in pairs {
                    let sample = pair / heads, head = pair % heads
                    let offset = sample * t * h + head * d
                    BLAS.sgemm(transposeB: true, m: t, n: t, k: d, alpha: scale, a: q + offset, lda: h, b: k + offset, ldb: h, c: scores, ldc: t)
                    for row in 0..<t { Self.softmax(scores + row * t, keep: mask + sample * t, count: t) }
                    BLAS.sgemm(m: t, n: d, k: t, a: scores, lda: t, b: v + offset, ldb: h, c: o + offset, ldc: h)
                }
            }
        }
    }

    /// Softmax of one row of scores in place, keys whose `keep` is 0 masked out (exactly 0, unless
    /// every key is masked: then uniform, as the lowest-float scores give in transformers).
    static func softmax(_ row: UnsafeMutablePointer<Float>, keep: UnsafePointer<Float>, count: Int) {
        var largest = -Float.greatestFiniteMagnitude
        for index in 0..<count where keep[index] != 0 { largest = max(largest, row[index]) }
        let allMasked = largest == -.greatestFiniteMagnitude
        for index in 0..<count {
            let e = VectorMath.exp(row[index] - largest)
            row[index] = keep[index] != 0 ? e : allMasked ? 1 : 0
        }
        var sum: Float = 0
        for index in 0..<count { sum += row[index] }
        let inverse = 1 / sum
        for index in 0..<count { row[index] *= inverse }
    }
}
