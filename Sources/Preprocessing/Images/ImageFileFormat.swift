/// The encodings `RGBImage` decodes, recognised by their signature (the file's first bytes), never
/// by the file name's extension.
public enum ImageFileFormat: String, Sendable, CustomStringConvertible {
    case jpeg = "JPEG"
    case png = "PNG"

    /// The format whose signature `bytes` start with, or nil.
    public init?(signature bytes: some Collection<UInt8>) {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else {
            return nil
        }
    }

    public var description: String { rawValue }
}
