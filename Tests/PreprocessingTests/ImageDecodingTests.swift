import Foundation
import Preprocessing
import TestSupport
import Testing

/// Decoding JPEG and PNG fixtures to exactly PIL's `convert("RGB")` bytes, and refusing broken files.
struct ImageDecodingTests {
    @Test(arguments: ImageFixtures.expected.files.keys.sorted())
    func decodesLikePIL(name: String) throws {
        let expected = try #require(ImageFixtures.expected.files[name])
        let image = try RGBImage(contentsOfFile: ImageFixtures.path(name))
        #expect([image.width, image.height] == expected.sizeWh)
        #expect(Array(image.pixels.prefix(6)) == expected.firstPixels.flatMap { $0 })
        #expect(crc32(image.pixels) == expected.decodedRgbCrc32, "\(name) (\(expected.mode))")
    }

    /// PIL clips 16-bit greyscale to 255 in convert("RGB"); zoo keeps the high byte, like every
    /// other 16-bit PNG. The fixture records both so this stays a deliberate difference.
    @Test func sixteenBitGreyKeepsTheHighByteWherePILClips() throws {
        let expected = try #require(ImageFixtures.expected.files["gray16_13x7.png"])
        let image = try RGBImage(contentsOfFile: ImageFixtures.path("gray16_13x7.png"))
        #expect(expected.zooDiffersFromPil != nil)
        #expect(crc32(image.pixels) == expected.decodedRgbCrc32)
        #expect(crc32(image.pixels) != expected.pilDecodedRgbCrc32)
    }

    @Test func recognisesTheFormatByContentNotByName() throws {
        let folder = try TemporaryFolder()
        let misnamed = folder.file("really_a_jpeg.png")
        try FileManager.default.copyItem(atPath: ImageFixtures.path("rgb_37x23.jpg"), toPath: misnamed)
        let data = try Data(contentsOf: URL(fileURLWithPath: misnamed))
        #expect(try RGBImage(contentsOfFile: misnamed) == RGBImage(contentsOfFile: ImageFixtures.path("rgb_37x23.jpg")))
        #expect(try RGBImage(encoded: data, name: "memory") == RGBImage(contentsOfFile: misnamed))
    }

    @Test(arguments: ImageFixtures.malformed)
    func refusesMalformedFiles(_ malformed: ImageFixtures.MalformedFile) {
        let path = ImageFixtures.path("malformed/" + malformed.file)
        let error = #expect(throws: ImageError.self) { try RGBImage(contentsOfFile: path) }
        guard let error else { return }
        #expect(caseName(error) == malformed.problem, "\(error)")
        #expect(error.description.hasPrefix(path + ": "), "the message names the file: \(error)")
        if let message = malformed.message { #expect(error.description.contains(message), "\(error)") }
    }

    @Test func reportsAMissingFile() {
        let error = #expect(throws: ImageError.self) { try RGBImage(contentsOfFile: "/nonexistent/photo.jpg") }
        #expect(error.map(caseName) == "unreadable")
        #expect(error?.description == "/nonexistent/photo.jpg: cannot read the file: No such file or directory")
    }

    /// Every prefix of a valid file is refused with an ImageError, never a crash or a hang; the only
    /// prefixes a decoder may accept are PNGs that lack just the chunks after the image data.
    @Test(arguments: ["progressive_30x40.jpg", "interlaced_33x21.png", "palette4_23x13.png"])
    func survivesEveryTruncation(name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: ImageFixtures.path(name)))
        let whole = try RGBImage(encoded: data, name: name)
        var accepted: [Int] = []
        for length in 0..<data.count {
            do {
                let image = try RGBImage(encoded: data.prefix(length), name: name)
                #expect(image == whole, "a prefix of \(length) bytes decoded to different pixels")
                accepted.append(length)
            } catch is ImageError {}
        }
        let endChunk = 12  // IEND: length, type, CRC
        #expect(accepted.allSatisfy { name.hasSuffix(".png") && $0 >= data.count - endChunk }, "accepted prefixes \(accepted)")
    }
}
