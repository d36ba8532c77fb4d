import Tensors

/// Masked scaled dot-product attention in training. The forward pass computes the inference
/// kernel's products but keeps every head's probabilities `P` (batch × heads × T × T); the
/// backward pass per (sample, head): `dV += Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))`,
/// `dQ += s·dS·K`, `dK += s·dSᵀ·Q` with s = 1/√d. Masked keys have P = 0, so no gradient.
final class AttentionStep: TrainingStep {
    let values: StepValues
    let length: Int
    let hidden: Int
    let heads: Int
    private var probabilities: [Float] = []

    init(values: StepValues, length: Int, hidden: Int, heads: Int) {
        self.values = values
        self.length = length
        self.hidden = hidden
        self.heads = heads
    }

    /// Scratch floats: one head's score gradient per worker.
    var scratchNeeded: Int { workerThreadCount * length * length }

    private var scale: Float { 1 / Float(Double(hidden / heads).squareRoot()) }

    func forward(_ workspace: Workspace) throws {
        let q = workspace.buffers[values.inputs[0]], k = workspace.buffers[values.inputs[1]], v = workspace.buffers[values.inputs[2]]
        let o = workspace.buffers[values.output]
        let t = length, h = hidden, heads = heads, d = hidden / heads, scale = scale
        probabilities = [Float](repeating: 0, count: workspace.batch * heads * t * t)
        probabilities.withUnsafeMutableBufferPointer { probabilities in
            workspace.attentionMask.withUnsafeBufferPointer { mask in
                nonisolated(unsafe) let (all, mask) = (probabilities.baseAddress!, mask.baseAddress!)
                BLAS.independentProducts(count: workspace.batch * heads) { pairs, _ in
                    for pair in pairs {
                        let sample = pair / heads, head = pair % heads
                        let offset = sample * t * h + head * d, p = all + pair * t * t
                        BLAS.sgemm(transposeB: true, m: t, n: t, k: d, alpha: scale, a: q + offset, lda: h, b: k + offset, ldb: h, c: p, ldc: t)
                        for row in 0..<t { Attention.softmax(p + row * t, keep: mask + sample * t, count: t) }
                        BLAS.sgemm(m: t, n: d, k: t, a: p, lda: t, b: v + offset, ldb: h, c: o + offset, ldc: h)
                    }
                }
            }
        }
    }

    func backward(_ workspace: Workspace) {
        let q = workspace.buffers[values.inputs[0]], k = workspace.buffers[values.inputs[1]], v = workspace.buffers[values.inputs[2]]
        let dO = workspace.buffers[values.outputGradient]
        let (dQ, dK, dV) = (values.inputGradients[0].map { workspace.buffers[$0] }, values.inputGradients[1].map { workspace.buffers[$0] },
                            values.inputGradients[2].map { workspace.buffers[$0] })
        let t = length, h = hidden, heads = heads, d = hidden / heads, scale = scale
        nonisolated(unsafe) let scratch = workspace.scratch
        probabilities.withUnsafeBufferPointer { probabilities in
            nonisolated(unsafe) let all = probabilities.baseAddress!
            // Pairs of one sample write disjoint columns of dQ, dK, dV: workers never collide.
            BLAS.independentProducts(count: workspace.batch * heads) { pairs, worker in
                let dS = scratch + worker * t * t
                for pair in pairs {
                    let sample = pair / heads, head = pair % heads
                    let offset = sample * t * h + head * d, p = all + pair * t * t
                    if let dV { BLAS.sgemm(transposeA: true, m: t, n: d, k: t, a: p, lda: t, b: dO + offset, ldb: h, beta: 1, c: dV + offset, ldc: h) }
                    guard dQ != nil || dK != nil else { continue }
                    BLAS.sgemm(transposeB: true, m: t, n: t, k: d, a: dO + offset, lda: h, b: v + offset, ldb: h, c: dS, ldc: t)
                    for row in 0..<t {
                        let probability = p + row * t, gradient = dS + row * t
                        var dot: Float = 0
                        for column in 0..<t { dot += gradient[column] * probability[column] }
                        for column in 0..<t { gradient[column] = probability[column] * (gradient[column] - dot) }
                    }
                    if let dQ { BLAS.sgemm(m: t, n: d, k: t, alpha: scale, a: dS, lda: t, b: k + offset, ldb: h, beta: 1, c: dQ + offset, ldc: h) }
                    if let dK { BLAS.sgemm(transposeA: true, m: t, n: d, k: t, alpha: scale, a: dS, lda: t, b: q + offset, ldb: h, beta: 1, c: dK + offset, ldc: h) }
                }
            }
        }
    }
}
