import Foundation
import Tensors

/// An 8-bit RGB image: `height` rows top to bottom of `width` pixels, each three bytes R, G, B
/// (interleaved, no padding). This is what PIL holds after `Image.open(path).convert("RGB")`, the
/// input every torchvision / timm model card transform starts from.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes.
    public let pixels: [UInt8]

    /// Decoders refuse images with more pixels (2^28, a 16384×16384 square: 768 MiB as RGB)
    /// before allocating anything for them, so a forged header cannot exhaust memory.
    public static let maximumPixelCount = 1 << 28

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "RGBImage: \(pixels.count) bytes for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Decodes a JPEG or PNG file, recognised by its content; throws `ImageError`.
    public init(contentsOfFile path: String) throws {
        let data: Data
        do {
            data = Data(try RegularFile.read(path))
        } catch {
            throw ImageError.unreadable(path: path, reason: error.message)
        }
        try self.init(encoded: data, name: path)
    }

    /// Decodes an encoded JPEG or PNG held in memory; `name` is what errors call it.
    public init(encoded data: Data, name: String) throws {
        guard let format = ImageFileFormat(signature: data.prefix(8)) else { throw ImageError.unknownFormat(path: name) }
        self = try data.withUnsafeBytes { bytes in
            switch format {
            case .jpeg: try JPEGDecoder.decode(bytes, name: name)
            case .png: try PNGDecoder.decode(bytes, name: name)
            }
        }
    }

    /// Throws `tooLarge` for a header announcing more than `maximumPixelCount` pixels.
    static func checkSize(width: Int, height: Int, name: String) throws {
        // Each side is at most 2^32 - 1 (libjpeg and libpng store 32-bit sizes), so the product fits an Int.
        if width * height > maximumPixelCount { throw ImageError.tooLarge(path: name, width: width, height: height) }
    }
}
