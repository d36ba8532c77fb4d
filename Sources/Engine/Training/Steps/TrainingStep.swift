import Tensors

/// One node of a training plan: a forward pass in training mode that keeps what its backward pass
/// needs, and the backward pass, which adds the gradient of the loss into its inputs' gradient
/// buffers (several consumers add into one) and its parameters' `gradient`.
protocol TrainingStep: AnyObject {
    func forward(_ workspace: Workspace) throws
    func backward(_ workspace: Workspace)
}

/// A step that computes differently in evaluation (PyTorch's `model.eval()`): batch-norm on its
/// running statistics without updating them, dropout passing values through.
protocol ModeDependentStep: TrainingStep {
    var evaluating: Bool { get set }
}

/// A step whose backward pass can write every value of its input's gradient: where it is that
/// gradient's first writer, the plan sets `storesInputGradient` and skips zeroing the buffer, and
/// the step stores its values instead of adding them (one pass over memory less, and no read).
protocol StoresInputGradient: TrainingStep {
    var values: StepValues { get }
    /// Whether the step, as compiled, writes every value of its input's gradient.
    var writesWholeInputGradient: Bool { get }
    var storesInputGradient: Bool { get set }
}

/// Writes `value(i)` into `target[i]` for `i` in `0..<count`, storing or adding: the last loop of
/// a `StoresInputGradient` step's backward pass.
@inline(__always)
func storeOrAdd(_ target: UnsafeMutablePointer<Float>, count: Int, storing: Bool, _ value: (Int) -> Float) {
    if storing {
        for index in 0..<count { target[index] = value(index) }
    } else {
        for index in 0..<count { target[index] += value(index) }
    }
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
/// row's terms into `sums` (`width` floats). Each worker sums a contiguous block of rows in tiles
/// of 32 rows, each tile in float (so that the row loops vectorise) and the tiles in double; the
/// blocks are added in order, so the result depends on the thread count only, never on timing.
func parallelColumnSums(rows: Int, width: Int, _ accumulate: (Int, UnsafeMutablePointer<Float>) -> Void) -> [Double] {
    let tile = 32, blocks = max(1, min(workerThreadCount, rows / (4 * tile)))
    var partial = [Double](repeating: 0, count: blocks * width)
    partial.withUnsafeMutableBufferPointer { partial in
        let base = partial.baseAddress!
        parallelChunks(count: blocks, minimumChunk: 1) { range in
            let tileSums = UnsafeMutablePointer<Float>.allocate(capacity: width)
            defer { tileSums.deallocate() }
            for block in range {
                let sums = base + block * width, end = rows * (block + 1) / blocks
                for first in stride(from: rows * block / blocks, to: end, by: tile) {
                    tileSums.update(repeating: 0, count: width)
                    for row in first..<min(first + tile, end) { accumulate(row, tileSums) }
                    for column in 0..<width { sums[column] += Double(tileSums[column]) }
                }
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
        for column in 0..<width { sums[column] += line[column] }
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
