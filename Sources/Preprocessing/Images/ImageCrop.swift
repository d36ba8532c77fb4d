extension RGBImage {
    /// torchvision's `CenterCrop((height, width))`: the window whose top is
    /// `int(round((imageHeight - height) / 2))` (Python's round: half to even) and left likewise.
    /// Along a side where the crop is larger than the image, torchvision first pads with zeros
    /// (`(crop - size) // 2` before), and so does this: those pixels are black.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(cropWidth > 0 && cropHeight > 0, "center crop of \(cropWidth)×\(cropHeight)")
        return cropped(
            left: Self.centerCropStart(size: width, crop: cropWidth), top: Self.centerCropStart(size: height, crop: cropHeight),
            width: cropWidth, height: cropHeight)
    }

    /// The `width` × `height` window whose top-left pixel is (`left`, `top`), as PIL's
    /// `Image.crop((left, top, left + width, top + height))`: pixels outside the image are black.
    public func cropped(left: Int, top: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(cropWidth > 0 && cropHeight > 0, "crop of \(cropWidth)×\(cropHeight)")
        var cropped = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        let columns = max(left, 0)..<min(left + cropWidth, width)
        for y in max(top, 0)..<min(top + cropHeight, height) where !columns.isEmpty {
            let from = (y * width + columns.lowerBound) * 3
            let to = ((y - top) * cropWidth + columns.lowerBound - left) * 3
            cropped.replaceSubrange(to..<(to + columns.count * 3), with: pixels[from..<(from + columns.count * 3)])
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: cropped)
    }

    /// The mirror image, left to right (torchvision's `hflip`).
    public func flippedHorizontally() -> RGBImage {
        var flipped = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                let from = (y * width + x) * 3, to = (y * width + width - 1 - x) * 3
                (flipped[to], flipped[to + 1], flipped[to + 2]) = (pixels[from], pixels[from + 1], pixels[from + 2])
            }
        }
        return RGBImage(width: width, height: height, pixels: flipped)
    }

    /// Where a centred crop starts along a side of `size` pixels (negative: inside the zero padding).
    private static func centerCropStart(size: Int, crop: Int) -> Int {
        crop > size ? -((crop - size) / 2) : Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
    }
}
