extension RGBImage {
    /// torchvision's `CenterCrop((height, width))`: the window whose top is
    /// `int(round((imageHeight - height) / 2))` (Python's round: half to even) and left likewise.
    /// Along a side where the crop is larger than the image, torchvision first pads with zeros
    /// (`(crop - size) // 2` before), and so does this: those pixels are black.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(cropWidth > 0 && cropHeight > 0, "center crop of \(cropWidth)×\(cropHeight)")
        let left = Self.centerCropStart(size: width, crop: cropWidth)
        let top = Self.centerCropStart(size: height, crop: cropHeight)
        var cropped = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        let columns = max(left, 0)..<min(left + cropWidth, width)
        for y in max(top, 0)..<min(top + cropHeight, height) where !columns.isEmpty {
            let from = (y * width + columns.lowerBound) * 3
            let to = ((y - top) * cropWidth + columns.lowerBound - left) * 3
            cropped.replaceSubrange(to..<(to + columns.count * 3), with: pixels[from..<(from + columns.count * 3)])
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: cropped)
    }

    /// Where a centred crop starts along a side of `size` pixels (negative: inside the zero padding).
    private static func centerCropStart(size: Int, crop: Int) -> Int {
        crop > size ? -((crop - size) / 2) : Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
    }
}
