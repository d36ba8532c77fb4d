import Tensors

/// A linear layer in training, weights read in place from the parameter store (`[out, in]`, the
/// layout the inference kernel multiplies by): `dX += dY·W`, `dW += dYᵀ·X`, `db += Σ dY`, each
/// one sgemm over every row (token) of the batch.
final class LinearStep: StoresInputGradient {
    let values: StepValues
    let rowsPerSample: Int
    let inFeatures: Int
    let outFeatures: Int
    let weight: Parameter
    let bias: Parameter?
    let writesWholeInputGradient = true
    var storesInputGradient = false

    init(values: StepValues, rowsPerSample: Int, inFeatures: Int, outFeatures: Int, weight: Parameter, bias: Parameter?) {
        self.values = values
        self.rowsPerSample = rowsPerSample
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
    }

    func forward(_ workspace: Workspace) throws {
        let rows = workspace.batch * rowsPerSample, n = outFeatures, target = workspace.buffers[values.output]
        BLAS.sgemm(transposeB: true, m: rows, n: n, k: inFeatures, a: workspace.buffers[values.input], lda: inFeatures, b: weight.values, ldb: inFeatures, c: target, ldc: n)
        if let bias {
            let b = bias.values
            parallelChunks(count: rows, minimumChunk: 16) { range in
                for row in range {
                    let line = target + row * n
                    for column in 0..<n { line[column] += b[column] }
                }
            }
        }
    }

    func backward(_ workspace: Workspace) {
        let rows = workspace.batch * rowsPerSample, dY = workspace.buffers[values.outputGradient]
        if let bias, let gradient = bias.gradient { addColumnSums(dY, rows: rows, width: outFeatures, into: gradient) }
        if let gradient = weight.gradient {
            BLAS.sgemm(
                transposeA: true, m: outFeatures, n: inFeatures, k: rows, a: dY, lda: outFeatures, b: workspace.buffers[values.input], ldb: inFeatures,
                beta: 1, c: gradient, ldc: inFeatures)
        }
        if let dX = values.inputGradient {
            BLAS.sgemm(m: rows, n: inFeatures, k: outFeatures, a: dY, lda: outFeatures, b: weight.values, ldb: inFeatures, beta: storesInputGradient ? 0 : 1,
                c: workspace.buffers[dX], ldc: inFeatures)
        }
    }
}
