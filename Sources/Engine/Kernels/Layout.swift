import Tensors

/// Moves between PyTorch's channel-first layout and the engine's channel-last one, per sample:
/// `[C, P]` ⇄ `[P, C]` with P = height × width.
struct ChannelTranspose: Kernel {
    enum Direction: Sendable { case toChannelsLast, toChannelsFirst }

    let input: Int
    let output: Int
    let channels: Int
    let pixels: Int
    let direction: Direction

    func run(_ workspace: Workspace) {
        Self.transpose(workspace.buffers[input], workspace.buffers[output], batch: workspace.batch, channels: channels, pixels: pixels, direction)
    }

    static func transpose(
        _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, batch: Int, channels: Int, pixels: Int, _ direction: Direction
    ) {
        let (rows, columns) = direction == .toChannelsLast ? (channels, pixels) : (pixels, channels)
        nonisolated(unsafe) let source = source
        parallelChunks(count: batch * columns, minimumChunk: 16) { range in
            for index in range {
                let sample = index / columns, column = index % columns
                let i = source + sample * rows * columns + column, o = target + index * rows
                for row in 0..<rows { o[row] = i[row * columns] }
            }
        }
    }
}
