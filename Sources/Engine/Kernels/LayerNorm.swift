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
                        let i = source + row * d, o = target + row * d
                        var sum = 0.0
                        for index in 0..<d { sum += Double(i[index]) }
                        let mean = sum / Double(d)
                        var squares = 0.0
                        for index in 0..<d {
                            let centred = Double(i[index]) - mean
                            squares += centred * centred
                        }
                        let inverse = Float(1 / (squares / Double(d) + epsilon).squareRoot()), m = Float(mean)
                        for index in 0..<d { o[index] = (i[index] - m) * inverse * gamma[index] + beta[index] }
                    }
                }
            }
        }
    }
}
