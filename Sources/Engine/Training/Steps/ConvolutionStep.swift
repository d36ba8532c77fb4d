import Tensors

/// A dense convolution (groups = 1) in training: the forward pass is the inference kernel over
/// the weights repacked from the parameter store each step (`[O, I, kh, kw]` → `[O, kh, kw, I]`);
/// the backward pass recomputes each im2col tile and multiplies it by the output gradient for the
/// weight gradient, and scatters the output gradient times the weights back (col2im) for the input
/// gradient. 1×1 stride-1 convolutions use the activations directly.
final class ConvolutionStep: StoresInputGradient {
    let values: StepValues
    let window: Window
    let inChannels: Int
    let outChannels: Int
    let weight: Parameter
    let bias: Parameter?
    private var packed: [Float]
    private let tileRows: Int
    var storesInputGradient = false

    init(values: StepValues, window: Window, inChannels: Int, outChannels: Int, weight: Parameter, bias: Parameter?) {
        self.values = values
        self.window = window
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weight = weight
        self.bias = bias
        packed = [Float](repeating: 0, count: weight.count)
        tileRows = Convolution.tileRows(depth: window.depth(channels: inChannels))
    }

    private var depth: Int { window.depth(channels: inChannels) }
    private var isPointwise: Bool { window.kernel == 1 && window.stride == 1 && window.padTop == 0 && window.padLeft == 0 }
    /// A pointwise convolution's input gradient is one product; a wider one scatters (col2im) and adds.
    var writesWholeInputGradient: Bool { isPointwise }

    /// Scratch floats: one im2col tile and its gradient.
    var scratchNeeded: Int { isPointwise ? 0 : 2 * tileRows * depth }

    func forward(_ workspace: Workspace) throws {
        let k2 = window.kernel * window.kernel, i = inChannels, w = weight.values
        packed.withUnsafeMutableBufferPointer { packed in
            for o in 0..<outChannels {
                for c in 0..<i { for tap in 0..<k2 { packed[(o * k2 + tap) * i + c] = w[(o * i + c) * k2 + tap] } }
            }
        }
        Convolution(
            input: values.input, output: values.output, window: window, inChannels: i, outChannels: outChannels, weights: packed,
            epilogue: Epilogue(bias: bias?.valueArray, activation: nil), tileRows: tileRows
        ).run(workspace)
    }

    func backward(_ workspace: Workspace) {
        let source = workspace.buffers[values.input], dY = workspace.buffers[values.outputGradient]
        let pixels = workspace.batch * window.outHeight * window.outWidth
        let o = outChannels, depth = depth
        if let bias, let gradient = bias.gradient { addColumnSums(dY, rows: pixels, width: o, into: gradient) }
        let dX = values.inputGradient.map { workspace.buffers[$0] }
        var dPacked = weight.gradient == nil ? nil : [Float](repeating: 0, count: weight.count)
        packed.withUnsafeBufferPointer { packed in
            if isPointwise {
                if dPacked != nil {
                    dPacked!.withUnsafeMutableBufferPointer { dW in
                        BLAS.sgemm(transposeA: true, m: o, n: depth, k: pixels, a: dY, lda: o, b: source, ldb: depth, c: dW.baseAddress!, ldc: depth)
                    }
                }
                if let dX {
                    BLAS.sgemm(m: pixels, n: depth, k: o, a: dY, lda: o, b: packed.baseAddress!, ldb: depth, beta: storesInputGradient ? 0 : 1, c: dX, ldc: depth)
                }
                return
            }
            let columns = workspace.scratch, dColumns = workspace.scratch + tileRows * depth
            for first in stride(from: 0, to: pixels, by: tileRows) {
                let count = min(tileRows, pixels - first)
                let dYTile = dY + first * o
                if dPacked != nil {
                    parallelChunks(count: count, minimumChunk: 64) { rows in
                        window.im2col(source, channels: inChannels, into: columns, firstPixel: first, rows: rows)
                    }
                    dPacked!.withUnsafeMutableBufferPointer { dW in
                        BLAS.sgemm(transposeA: true, m: o, n: depth, k: count, a: dYTile, lda: o, b: columns, ldb: depth, beta: 1, c: dW.baseAddress!, ldc: depth)
                    }
                }
                if let dX {
                    BLAS.sgemm(m: count, n: depth, k: o, a: dYTile, lda: o, b: packed.baseAddress!, ldb: depth, c: dColumns, ldc: depth)
                    window.col2im(dColumns, channels: inChannels, into: dX, firstPixel: first, rows: 0..<count)
                }
            }
        }
        if let dPacked, let gradient = weight.gradient {
            let k2 = window.kernel * window.kernel, i = inChannels
            for o in 0..<outChannels {
                for c in 0..<i { for tap in 0..<k2 { gradient[(o * i + c) * k2 + tap] += dPacked[(o * k2 + tap) * i + c] } }
            }
        }
    }
}
