import Foundation
import Tensors

/// Layer normalisation over the last dimension (biased variance, as PyTorch), statistics in
/// double precision.
struct LayerNorm: Kernel {
    let input: Int
    let output: Int
    let rowsPerSample: Int
    let dimension: Int
    let epsilon: Double
    let gamma: [Float]
    let beta: [Float]

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output], d = dimension
        parallelChunks(count: workspace.batch * rowsPerSample, minimumChunk: 8) { rows in
            gamma.withUnsafeBufferPointer { gamma in
                beta.withUnsafeBufferPointer { beta in
                    for row in rows {
                        Self.normalise(source + row * d, into: target + row * d, dimension: d, epsilon: epsilon, gamma: gamma.baseAddress!, beta: beta.baseAddress!)
                    }
                }
            }
        }
    }

    /// Normalises one row of `dimension` values into `output` (`(x − mean)/σ·γ + β`, mean and
    /// biased variance summed in double) and returns its mean and 1/σ, which the training step
    /// keeps for its backward pass.
    @discardableResult
    static func normalise(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, dimension d: Int, epsilon: Double,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>
    ) -> (mean: Float, inverseDeviation: Float) {
        var sum = 0.0
        for index in 0..<d { sum += Double(input[index]) }
        let mean = sum / Double(d)
        var squares = 0.0
        for index in 0..<d {
            let centred = Double(input[index]) - mean
            squares += centred * centred
        }
        let inverse = Float(1 / (squares / Double(d) + epsilon).squareRoot()), m = Float(mean)
        for index in 0..<d { output[index] = (input[index] - m) * inverse * gamma[index] + beta[index] }
        return (m, inverse)
    }
}
