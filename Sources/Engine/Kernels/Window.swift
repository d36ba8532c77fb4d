import Tensors

/// Geometry of a 2-D sliding window over an NHWC activation, padding resolved to four sides.
struct Window: Sendable {
    var inHeight, inWidth, outHeight, outWidth: Int
    var kernel, stride, padTop, padLeft: Int

    /// Floats in one receptive field of `channels` channels (an im2col row).
    func depth(channels: Int) -> Int { kernel * kernel * channels }

    /// Writes the receptive fields of output pixels `firstPixel + rows` (pixels counted over the
    /// whole batch) as rows of `depth(channels:)`, zeros where the window hangs over the edge:
    /// what a convolution multiplies its weights `[out, kh, kw, in]` with.
    func im2col(_ source: UnsafePointer<Float>, channels: Int, into columns: UnsafeMutablePointer<Float>, firstPixel: Int, rows: Range<Int>) {
        let perImage = outHeight * outWidth, depth = depth(channels: channels)
        let rowBytes = channels * MemoryLayout<Float>.stride
        for offset in rows {
            let pixel = firstPixel + offset
            let image = pixel / perImage, y = pixel % perImage / outWidth, x = pixel % outWidth
            var column = columns + offset * depth
            let top = y * stride - padTop, left = x * stride - padLeft
            for ky in 0..<kernel {
                let iy = top + ky
                if iy < 0 || iy >= inHeight {
                    column.update(repeating: 0, count: kernel * channels)
                    column += kernel * channels
                    continue
                }
                let row = source + ((image * inHeight + iy) * inWidth) * channels
                for kx in 0..<kernel {
                    let ix = left + kx
                    if ix < 0 || ix >= inWidth {
                        column.update(repeating: 0, count: channels)
                    } else {
                        UnsafeMutableRawPointer(column).copyMemory(from: row + ix * channels, byteCount: rowBytes)
                    }
                    column += channels
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds each row of `columns` (output pixels `firstPixel + rows`)
    /// back into the input positions its receptive field read. Rows of different images never
    /// overlap, so callers may split `rows` by image between threads.
    func col2im(_ columns: UnsafePointer<Float>, channels: Int, into target: UnsafeMutablePointer<Float>, firstPixel: Int, rows: Range<Int>) {
        let perImage = outHeight * outWidth, depth = depth(channels: channels)
        for offset in rows {
            let pixel = firstPixel + offset
            let image = pixel / perImage, y = pixel % perImage / outWidth, x = pixel % outWidth
            var column = columns + offset * depth
            let top = y * stride - padTop, left = x * stride - padLeft
            for ky in 0..<kernel {
                let iy = top + ky
                guard iy >= 0 && iy < inHeight else {
                    column += kernel * channels
                    continue
                }
                let row = target + ((image * inHeight + iy) * inWidth) * channels
                for kx in 0..<kernel {
                    let ix = left + kx
                    if ix >= 0 && ix < inWidth {
                        let out = row + ix * channels
                        for channel in 0..<channels { out[channel] += column[channel] }
                    }
                    column += channels
                }
            }
        }
    }
}
