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

/// Per-column sums over `rows` rows, split between workers: `accumulate(row, sums)` adds one
/// row's terms into `sums` (`width` doubles). Each worker sums a contiguous block of rows and the
/// blocks are added in order, so the result depends on the thread count only, never on timing.
func parallelColumnSums(rows: Int, width: Int, _ accumulate: (Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
    let blocks = max(1, min(workerThreadCount, rows / 64))
    var partial = [Double](repeating: 0, count: blocks * width)
    partial.withUnsafeMutableBufferPointer { partial in
        let base = partial.baseAddress!
        parallelChunks(count: blocks, minimumChunk: 1) { range in
            for block in range {
                for row in rows * block / blocks..<rows * (block + 1) / blocks { accumulate(row, base + block * width) }
            }
        }
    }
    var sums = [Double](repeating: 0, count: width)
    for block in 0..<blocks { for column in 0..<width { sums[column] += partial[block * width + column] } }
    return sums
}

/// Sums `rows` rows of `width` floats column-wise into `target` (adding), in double precision:
/// the bias gradient of a linear layer or convolution.
func addColumnSums(_ source: UnsafePointer<Float>, rows: Int, width: Int, into target: UnsafeMutablePointer<Float>) {
    nonisolated(unsafe) let source = source
    let sums = parallelColumnSums(rows: rows, width: width) { row, sums in
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
