import Foundation
import Plans
import Preprocessing
import Tensors

/// The augmentations a plan may name (`regularisation.augmentation`), applied in torchvision's
/// training transform: `RandomResizedCrop(crop)` (scale 0.08–1, aspect ratio 3/4–4/3, the card's
/// interpolation) in place of Resize + CenterCrop, then `RandomHorizontalFlip()`. Every draw comes
/// from a generator seeded by (seed, epoch, example), so an augmented epoch is the same however
/// the run was split by resumes or threads.
public struct ImageAugmentation: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case randomResizedCrop = "random-resized-crop"
        case horizontalFlip = "horizontal-flip"
    }

    public let kinds: [Kind]

    /// The plan's augmentation names; throws on a name zoo does not apply.
    public init(names: [String]) throws(ProfileError) {
        var kinds: [Kind] = []
        for (index, name) in names.enumerated() {
            guard let kind = Kind(rawValue: name) else {
                throw ProfileError("regularisation.augmentation[\(index)]", "'\(name)' is not one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kinds.append(kind)
        }
        self.kinds = kinds
    }

    public var isEmpty: Bool { kinds.isEmpty }

    /// `image` as the training transform makes it, `preprocessing.crop` square, before `ToTensor`.
    public func apply(_ image: RGBImage, _ preprocessing: ImagePreprocessing, generator: inout SplitMix64) -> RGBImage {
        var result: RGBImage
        if kinds.contains(.randomResizedCrop) {
            let window = Self.randomResizedCropWindow(width: image.width, height: image.height, generator: &generator)
            result = image.cropped(left: window.left, top: window.top, width: window.width, height: window.height)
                .resized(width: preprocessing.crop, height: preprocessing.crop, filter: preprocessing.filter)
        } else {
            result = preprocessing.cropped(image)
        }
        if kinds.contains(.horizontalFlip), generator.nextUniform() < 0.5 { result = result.flippedHorizontally() }
        return result
    }

    /// torchvision's `RandomResizedCrop.get_params`: up to ten draws of an area share in
    /// [0.08, 1] and a log-uniform aspect ratio in [3/4, 4/3] whose window fits, else the
    /// central crop clamped to that ratio range.
    static func randomResizedCropWindow(width: Int, height: Int, generator: inout SplitMix64) -> (left: Int, top: Int, width: Int, height: Int) {
        let area = Double(width * height), logRatio = (log(3.0 / 4), log(4.0 / 3))
        for _ in 0..<10 {
            let target = area * (0.08 + 0.92 * generator.nextUniform())
            let ratio = exp(logRatio.0 + (logRatio.1 - logRatio.0) * generator.nextUniform())
            let w = Int((target * ratio).squareRoot().rounded(.toNearestOrEven)), h = Int((target / ratio).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= width, h > 0, h <= height {
                let top = Int(generator.next() % UInt64(height - h + 1)), left = Int(generator.next() % UInt64(width - w + 1))
                return (left, top, w, h)
            }
        }
        let inRatio = Double(width) / Double(height)
        var (w, h) = (width, height)
        if inRatio < 3.0 / 4 {
            h = Int((Double(w) / (3.0 / 4)).rounded(.toNearestOrEven))
        } else if inRatio > 4.0 / 3 {
            w = Int((Double(h) * (4.0 / 3)).rounded(.toNearestOrEven))
        }
        return ((width - w) / 2, (height - h) / 2, w, h)
    }
}
