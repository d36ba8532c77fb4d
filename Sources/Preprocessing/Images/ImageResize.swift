extension RGBImage {
    /// This image resized to `width` × `height` exactly as PIL's `Image.resize(size, filter)` does
    /// an RGB image, bit for bit: a horizontal pass, then a vertical one, each averaging with 22-bit
    /// fixed-point weights (`ResampleCoefficients`), rounding and clipping to 0...255 in between.
    /// Cost is linear in the pixels: the weights are computed once per output row and column.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter = .bilinear) -> RGBImage {
        precondition(width > 0 && height > 0 && newWidth > 0 && newHeight > 0, "resize of \(width)×\(height) to \(newWidth)×\(newHeight)")
        guard newWidth != width || newHeight != height else { return self }
        let vertical = ResampleCoefficients(inputSize: height, outputSize: newHeight, filter: filter)
        var rows = 0..<height
        var resampled = pixels[...]
        if newWidth != width {
            // Like PIL, resample horizontally only the rows the vertical pass reads.
            if newHeight != height { rows = vertical.firsts[0]..<(vertical.firsts[newHeight - 1] + vertical.counts[newHeight - 1]) }
            let horizontal = ResampleCoefficients(inputSize: width, outputSize: newWidth, filter: filter)
            let band = pixels[(rows.lowerBound * width * 3)..<(rows.upperBound * width * 3)]
            resampled = Self.resample(band, lines: rows.count, samples: width, channels: 3, along: horizontal, firstSample: 0)[...]
        }
        if newHeight != height {
            resampled = Self.resample(resampled, lines: 1, samples: rows.count, channels: newWidth * 3, along: vertical, firstSample: rows.lowerBound)[...]
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: Array(resampled))
    }

    /// torchvision's `Resize(size)` with an int size: the shorter side becomes `size` and the
    /// longer one `int(size * long / short)` (truncated, as `_compute_resized_output_size` does).
    public func resized(shorterSide size: Int, filter: ResizeFilter = .bilinear) -> RGBImage {
        let portrait = width <= height
        let (short, long) = portrait ? (width, height) : (height, width)
        let newLong = Int(Double(size * long) / Double(short))
        return portrait ? resized(width: size, height: newLong, filter: filter) : resized(width: newLong, height: size, filter: filter)
    }

    /// One pass of the separable resize along the middle axis of `source`, seen as
    /// [lines][samples][channels] (channels contiguous); sample `s` of the coefficients is
    /// `source`'s sample `s - firstSample`. Returns [lines][outputs][channels].
    private static func resample(
        _ source: ArraySlice<UInt8>, lines: Int, samples: Int, channels: Int, along coefficients: ResampleCoefficients, firstSample: Int
    ) -> [UInt8] {
        let outputs = coefficients.firsts.count
        let taps = coefficients.taps
        let half = 1 << (ResampleCoefficients.precisionBits - 1)
        var output = [UInt8](repeating: 0, count: lines * outputs * channels)
        var sums = [Int](repeating: 0, count: channels)
        source.withUnsafeBufferPointer { source in
            coefficients.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { output in
                    sums.withUnsafeMutableBufferPointer { sums in
                        for line in 0..<lines {
                            for index in 0..<outputs {
                                for channel in 0..<channels { sums[channel] = half }
                                let first = line * samples + coefficients.firsts[index] - firstSample
                                for tap in 0..<coefficients.counts[index] {
                                    let weight = Int(weights[index * taps + tap])
                                    let start = (first + tap) * channels
                                    for channel in 0..<channels { sums[channel] += Int(source[start + channel]) * weight }
                                }
                                let start = (line * outputs + index) * channels
                                for channel in 0..<channels {
                                    output[start + channel] = UInt8(clamping: sums[channel] >> ResampleCoefficients.precisionBits)
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
