import Tensors

/// The element-wise sum of several activations of one shape, then an epilogue (ResNet's ReLU
/// after the residual sum).
struct Sum: Kernel {
    let inputs: [Int]
    let output: Int
    let perSample: Int
    let activation: Epilogue

    func run(_ workspace: Workspace) {
        let sources = inputs.map { workspace.buffers[$0] }, target = workspace.buffers[output]
        parallelChunks(count: workspace.batch * perSample, minimumChunk: 1 << 14) { range in
            let out = target + range.lowerBound, count = range.count
            out.update(from: sources[0] + range.lowerBound, count: count)
            for source in sources.dropFirst() {
                let i = source + range.lowerBound
                for index in 0..<count { out[index] += i[index] }
            }
            activation.apply(out, rows: 1, width: count)
        }
    }
}

/// Scales every pixel of an NHWC activation channel-wise by a per-sample vector
/// (squeeze-and-excitation's gate).
struct ChannelScale: Kernel {
    let input: Int
    let gate: Int
    let output: Int
    let pixels: Int
    let channels: Int

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], scales = workspace.buffers[gate], target = workspace.buffers[output]
        let pixels = pixels, c = channels
        parallelChunks(count: workspace.batch * pixels, minimumChunk: 64) { range in
            for pixel in range {
                let s = scales + pixel / pixels * c, i = source + pixel * c, o = target + pixel * c
                for channel in 0..<c { o[channel] = i[channel] * s[channel] }
            }
        }
    }
}

/// A per-channel affine map `x·scale + shift` and activation: a batch-norm that no convolution
/// before it could absorb.
struct ChannelAffine: Kernel {
    let input: Int
    let output: Int
    let channels: Int
    let perSample: Int
    let scale: [Float]
    let epilogue: Epilogue

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        let rows = workspace.batch * perSample / channels, c = channels
        parallelChunks(count: rows, minimumChunk: 64) { range in
            scale.withUnsafeBufferPointer { scale in
                for row in range {
                    let i = source + row * c, o = target + row * c
                    for channel in 0..<c { o[channel] = i[channel] * scale[channel] }
                }
            }
            epilogue.apply(target + range.lowerBound * c, rows: range.count, width: c)
        }
    }
}

/// An activation on its own (one not fused into the kernel before it).
struct Activate: Kernel {
    let input: Int
    let output: Int
    let perSample: Int
    let epilogue: Epilogue

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        parallelChunks(count: workspace.batch * perSample, minimumChunk: 1 << 14) { range in
            let out = target + range.lowerBound
            out.update(from: source + range.lowerBound, count: range.count)
            epilogue.apply(out, rows: 1, width: range.count)
        }
    }
}
