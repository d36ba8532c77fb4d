import Foundation

/// A model card's image transform: torchvision's
/// `Compose([Resize(resize, filter), CenterCrop(crop), ToTensor(), Normalize(mean, std)])` applied
/// to a PIL RGB image, reproduced bit for bit (same resized bytes, same float32 tensor).
public struct ImagePreprocessing: Equatable, Sendable {
    /// The length the shorter side is resized to.
    public var resize: Int
    /// The side of the square centre crop: the model's input height and width.
    public var crop: Int
    /// Per-channel (R, G, B) mean and standard deviation of `Normalize`.
    public var mean: [Float]
    public var std: [Float]
    public var filter: ResizeFilter

    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// torchvision's ImageNet evaluation transform (every torchvision classification model card):
    /// Resize(256, bilinear), CenterCrop(224), ImageNet mean and std.
    public static let imageNet = ImagePreprocessing(resize: 256, crop: 224, mean: imageNetMean, std: imageNetStd, filter: .bilinear)

    public init(resize: Int, crop: Int, mean: [Float], std: [Float], filter: ResizeFilter = .bilinear) {
        precondition(resize > 0 && crop > 0, "resize \(resize) and crop \(crop) must be positive")
        precondition(mean.count == 3 && std.count == 3, "mean and std need one value per channel (R, G, B)")
        self.resize = resize
        self.crop = crop
        self.mean = mean
        self.std = std
        self.filter = filter
    }

    /// timm's evaluation transform for a model whose card gives `crop_pct`: the shorter side is
    /// resized to `floor(inputSize / cropPercentage)`, then centre-cropped to `inputSize`
    /// (e.g. EfficientNet-Lite0: 224, 0.875, bicubic, mean and std 0.5 → resize 256).
    public init(inputSize: Int, cropPercentage: Double, mean: [Float], std: [Float], filter: ResizeFilter) {
        self.init(resize: Int((Double(inputSize) / cropPercentage).rounded(.down)), crop: inputSize, mean: mean, std: std, filter: filter)
    }

    /// The resized and centre-cropped image (`crop` × `crop`), before it becomes floats.
    public func cropped(_ image: RGBImage) -> RGBImage {
        image.resized(shorterSide: resize, filter: filter).centerCropped(width: crop, height: crop)
    }

    /// The model input for one image: `[3, crop, crop]` float32, channel-major (CHW).
    public func tensor(_ image: RGBImage) -> [Float] {
        batch([image])
    }

    /// The model input for several images, stacked: `[images.count, 3, crop, crop]`, contiguous.
    public func batch(_ images: [RGBImage]) -> [Float] {
        normalised(images.map(cropped))
    }

    /// `ToTensor` + `Normalize` of images already `crop` × `crop` (cropped, or augmented by a
    /// random crop), stacked: `[images.count, 3, crop, crop]`.
    public func normalised(_ images: [RGBImage]) -> [Float] {
        let plane = crop * crop
        let table = normalisedValues()
        var tensor = [Float](repeating: 0, count: images.count * 3 * plane)
        tensor.withUnsafeMutableBufferPointer { tensor in
            for (number, image) in images.enumerated() {
                precondition(image.width == crop && image.height == crop, "normalised: a \(image.width)×\(image.height) image, not \(crop)×\(crop)")
                let pixels = image.pixels
                for channel in 0..<3 {
                    let start = (number * 3 + channel) * plane
                    for pixel in 0..<plane { tensor[start + pixel] = table[channel * 256 + Int(pixels[pixel * 3 + channel])] }
                }
            }
        }
        return tensor
    }

    /// Every value a byte can become, per channel: `ToTensor` (v / 255 in float32) then
    /// `Normalize` ((x - mean) / std in float32, a division as in torch, not a multiplication).
    private func normalisedValues() -> [Float] {
        (0..<3).flatMap { channel in (0...255).map { (Float($0) / 255 - mean[channel]) / std[channel] } }
    }
}
