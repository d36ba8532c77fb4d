import Tensors

/// One node of a training plan: a forward pass in training mode that keeps what its backward pass
/// needs, and the backward pass, which adds the gradient of the loss into its inputs' gradient
/// buffers (several consumers add into one) and its parameters' `gradient`.
protocol TrainingStep: AnyObject {
    func forward(_ workspace: Workspace) throws
    func backward(_ workspace: Workspace)
}

/// Where a training step's node reads and writes in the workspace: virtual values of the inputs'
/// activations, its own activation, and the gradients (nil where no gradient flows: an input off
/// the backward path, or a node whose input gradient nobody needs).
struct StepValues: Sendable {
    var inputs: [Int]
    var output: Int
    var inputGradients: [Int?]
    var outputGradient: Int

    var input: Int { inputs[0] }
    var inputGradient: Int? { inputGradients[0] }
}

/// Sums `rows` rows of `width` floats column-wise into `target` (adding), in double precision:
/// the bias gradient of a linear layer or convolution, a norm's β gradient.
func addColumnSums(_ source: UnsafePointer<Float>, rows: Int, width: Int, into target: UnsafeMutablePointer<Float>) {
    var sums = [Double](repeating: 0, count: width)
    for row in 0..<rows {
        let line = source + row * width
        for column in 0..<width { sums[column] += Double(line[column]) }
    }
    for column in 0..<width { target[column] += Float(sums[column]) }
}

/// `target += source`, `count` floats, split between workers.
func addInto(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
    nonisolated(unsafe) let source = source
    parallelChunks(count: count, minimumChunk: 1 << 14) { range in
        for index in range { target[index] += source[index] }
    }
}
