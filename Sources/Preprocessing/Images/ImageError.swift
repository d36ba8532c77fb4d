/// Why a file could not become an `RGBImage`. Every case names the file, so a message on its own
/// says which input of a batch was bad.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read at all (missing, unreadable).
    case unreadable(path: String, reason: String)
    /// The first bytes are neither a JPEG's nor a PNG's signature.
    case unknownFormat(path: String)
    /// libjpeg or libpng refused the data (truncated, corrupt, bad checksum, zero size): its message.
    case malformed(path: String, format: ImageFileFormat, message: String)
    /// The header announces more than `RGBImage.maximumPixelCount` pixels; refused before allocating.
    case tooLarge(path: String, width: Int, height: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the file: \(reason)"
        case .unknownFormat(let path): "\(path): not a JPEG or PNG file (unrecognised signature)"
        case .malformed(let path, let format, let message): "\(path): malformed \(format): \(message)"
        case .tooLarge(let path, let width, let height):
            "\(path): \(width)×\(height) pixels is more than the \(RGBImage.maximumPixelCount) an image may have"
        }
    }
}
