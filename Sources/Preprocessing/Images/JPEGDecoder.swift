import CJPEG

/// Decodes JPEG through the system's libjpeg(-turbo) with its defaults (integer IDCT, fancy
/// upsampling): the same pixels as PIL, which bundles libjpeg-turbo and uses the same defaults.
/// Greyscale is replicated into R, G and B by libjpeg; CMYK and YCCK are converted as PIL does.
enum JPEGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> RGBImage {
        let decoder = UnsafeMutablePointer<zoo_jpeg_decoder>.allocate(capacity: 1)
        decoder.initialize(to: zoo_jpeg_decoder())
        defer {
            zoo_jpeg_destroy(decoder)
            decoder.deallocate()
        }
        func failure() -> ImageError { .malformed(path: name, format: .jpeg, message: String(cString: zoo_jpeg_message(decoder))) }

        guard zoo_jpeg_read_header(decoder, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count)) != 0 else { throw failure() }
        let width = Int(decoder.pointee.cinfo.image_width), height = Int(decoder.pointee.cinfo.image_height)
        try RGBImage.checkSize(width: width, height: height, name: name)
        // libjpeg converts only YCbCr, RGB and greyscale to RGB; four-channel files come out as CMYK.
        let cmyk = [JCS_CMYK, JCS_YCCK].contains(decoder.pointee.cinfo.jpeg_color_space)
        decoder.pointee.cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB
        guard zoo_jpeg_start(decoder) != 0 else { throw failure() }

        let components = Int(decoder.pointee.cinfo.output_components)
        var samples = [UInt8](repeating: 0, count: width * height * components)
        let read = samples.withUnsafeMutableBufferPointer { zoo_jpeg_read_pixels(decoder, $0.baseAddress) }
        guard read != 0 else { throw failure() }
        return RGBImage(width: width, height: height, pixels: cmyk ? rgb(fromAdobeCMYK: samples) : samples)
    }

    /// PIL's CMYK → RGB: it reads every CMYK JPEG with Adobe's inverted polarity ("CMYK;I") and
    /// converts with `nk = 255 - k; channel = nk - nk * c / 255` (rounded with MULDIV255).
    /// `samples` are libjpeg's stored values, i.e. already 255 - c, 255 - m, 255 - y, 255 - k.
    static func rgb(fromAdobeCMYK samples: [UInt8]) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: samples.count / 4 * 3)
        for pixel in 0..<samples.count / 4 {
            let notBlack = Int(samples[pixel * 4 + 3])
            for channel in 0..<3 {
                let product = (255 - Int(samples[pixel * 4 + channel])) * notBlack + 128
                rgb[pixel * 3 + channel] = UInt8(notBlack - (((product >> 8) + product) >> 8))
            }
        }
        return rgb
    }
}
