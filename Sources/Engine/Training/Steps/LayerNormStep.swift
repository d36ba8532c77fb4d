import Tensors

/// Layer normalisation over the last dimension in training: the forward pass keeps each row's
/// mean and 1/σ (biased variance, double precision, as the inference kernel); the backward pass
/// gives `dγ = Σ dy·x̂`, `dβ = Σ dy` and `dx = σ⁻¹·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` with `ĝ = dy·γ`.
final class LayerNormStep: StoresInputGradient {
    let values: StepValues
    let rowsPerSample: Int
    let dimension: Int
    let epsilon: Double
    let gamma: Parameter
    let beta: Parameter
    private var mean: [Float] = [], inverseDeviation: [Float] = []
    let writesWholeInputGradient = true
    var storesInputGradient = false

    init(values: StepValues, rowsPerSample: Int, dimension: Int, epsilon: Double, gamma: Parameter, beta: Parameter) {
        self.values = values
        self.rowsPerSample = rowsPerSample
        self.dimension = dimension
        self.epsilon = epsilon
        self.gamma = gamma
        self.beta = beta
    }

    func forward(_ workspace: Workspace) throws {
        let source = workspace.buffers[values.input], target = workspace.buffers[values.output], d = dimension
        let rows = workspace.batch * rowsPerSample, epsilon = epsilon
        mean = [Float](repeating: 0, count: rows)
        inverseDeviation = mean
        let g = gamma.values, b = beta.values
        mean.withUnsafeMutableBufferPointer { means in
            inverseDeviation.withUnsafeMutableBufferPointer { inverses in
                let means = means.baseAddress!, inverses = inverses.baseAddress!
                parallelChunks(count: rows, minimumChunk: 8) { range in
                    for row in range {
                        let (m, inverse) = LayerNorm.normalise(source + row * d, into: target + row * d, dimension: d, epsilon: epsilon, gamma: g, beta: b)
                        means[row] = m
                        inverses[row] = inverse
                    }
                }
            }
        }
    }

    func backward(_ workspace: Workspace) {
        let dY = workspace.buffers[values.outputGradient], d = dimension
        let rows = workspace.batch * rowsPerSample, g = gamma.values
        nonisolated(unsafe) let source = workspace.buffers[values.input]
        let dX = values.inputGradient.map { workspace.buffers[$0] }
        let mean = mean, inverseDeviation = inverseDeviation, storing = storesInputGradient
        // Per worker: [Σ dy | Σ dy·x̂] over its rows, and each row's input gradient.
        let sums = parallelColumnSums(rows: rows, width: 2 * d) { row, sums in
            let x = source + row * d, dy = dY + row * d, products = sums + d
            let m = mean[row], inverse = inverseDeviation[row]
            var sumScaled = 0.0, sumScaledXHat = 0.0
            for index in 0..<d {
                let xHat = (x[index] - m) * inverse, scaled = dy[index] * g[index]
                sums[index] += dy[index]
                products[index] += dy[index] * xHat
                sumScaled += Double(scaled)
                sumScaledXHat += Double(scaled * xHat)
            }
            guard let dX else { return }
            let meanScaled = Float(sumScaled / Double(d)), meanScaledXHat = Float(sumScaledXHat / Double(d))
            storeOrAdd(dX + row * d, count: d, storing: storing) { index in
                let xHat = (x[index] - m) * inverse
                return inverse * (dy[index] * g[index] - meanScaled - xHat * meanScaledXHat)
            }
        }
        if let gradient = beta.gradient { for index in 0..<d { gradient[index] += Float(sums[index]) } }
        if let gradient = gamma.gradient { for index in 0..<d { gradient[index] += Float(sums[d + index]) } }
    }
}
