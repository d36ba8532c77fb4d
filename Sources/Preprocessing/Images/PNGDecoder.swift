import CPNG

/// Decodes PNG through the system's libpng to the pixels of PIL's `convert("RGB")`: palette looked
/// up, greyscale replicated (1, 2 and 4 bits scaled to 0...255), 16-bit samples cut to their high
/// byte, alpha and tRNS transparency dropped (not composited), Adam7 interlacing undone. One
/// deliberate difference: PIL clips 16-bit greyscale (mode "I;16") to 255 instead of scaling it.
enum PNGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> RGBImage {
        let decoder = UnsafeMutablePointer<zoo_png_decoder>.allocate(capacity: 1)
        decoder.initialize(to: zoo_png_decoder())
        defer {
            zoo_png_destroy(decoder)
            decoder.deallocate()
        }
        func failure() -> ImageError { .malformed(path: name, format: .png, message: String(cString: zoo_png_message(decoder))) }

        guard zoo_png_read_header(decoder, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count) != 0 else { throw failure() }
        let width = Int(png_get_image_width(decoder.pointee.png, decoder.pointee.info))
        let height = Int(png_get_image_height(decoder.pointee.png, decoder.pointee.info))
        try RGBImage.checkSize(width: width, height: height, name: name)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let read = pixels.withUnsafeMutableBufferPointer { zoo_png_read_rgb(decoder, $0.baseAddress) }
        guard read != 0 else { throw failure() }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
