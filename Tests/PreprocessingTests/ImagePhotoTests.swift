import Foundation
import Preprocessing
import TestSupport
import Testing

/// Where the real photos live, when they have been fetched.
enum RealPhotos {
    static let names = ["china.jpg", "flower.jpg"]
    static let present = names.allSatisfy { FileManager.default.fileExists(atPath: path($0)) }

    static func path(_ name: String) -> String { Fixtures.root.appendingPathComponent("assets/images").appendingPathComponent(name).path }
}

/// scikit-learn's china.jpg and flower.jpg through torchvision's MobileNetV2 transform, against
/// formats/engine/mobilenet_v2_photos.json. The photos are real assets, never committed:
/// `make assets/images/china.jpg` fetches both into assets/images/.
@Suite(.enabled(if: RealPhotos.present, "assets/images/{china,flower}.jpg are absent; `make assets/images/china.jpg` fetches them"))
struct ImagePhotoTests {
    struct Reference: Decodable {
        struct Photo: Decodable {
            struct Pixel: Decodable {
                let cropRgbUint8: [UInt8]
                let tensorChw: [Double]
            }

            let decodedSizeWh: [Int]
            let decodedRgbCrc32: UInt32
            let resizedSizeWh: [Int]
            let resizedRgbCrc32: UInt32
            let cropTopLeft: [Int]
            let cropRgbCrc32: UInt32
            let tensor: ImageFixtures.Tensor
            let pixels: [String: Pixel]
        }

        let images: [String: Photo]
    }

    let reference: Reference
    let preprocessing = ImagePreprocessing.imageNet

    init() throws {
        reference = try decodeFixture("engine", "mobilenet_v2_photos.json")
    }

    @Test(arguments: RealPhotos.names)
    func everyStepMatchesPILAndTorchvision(photo: String) throws {
        let expected = try #require(reference.images[photo])
        let image = try RGBImage(contentsOfFile: RealPhotos.path(photo))
        #expect([image.width, image.height] == expected.decodedSizeWh)
        #expect(crc32(image.pixels) == expected.decodedRgbCrc32, "decoded")

        let resized = image.resized(shorterSide: 256)
        #expect([resized.width, resized.height] == expected.resizedSizeWh)
        #expect(crc32(resized.pixels) == expected.resizedRgbCrc32, "resized")

        let cropped = preprocessing.cropped(image)
        #expect(crc32(cropped.pixels) == expected.cropRgbCrc32, "cropped")
        let (top, left) = (expected.cropTopLeft[0], expected.cropTopLeft[1])
        let window = (0..<224).flatMap { (y: Int) -> ArraySlice<UInt8> in
            let start = ((top + y) * resized.width + left) * 3
            return resized.pixels[start..<(start + 224 * 3)]
        }
        #expect(cropped.pixels == window, "the crop is the window at top \(top), left \(left)")

        let tensor = preprocessing.tensor(image)
        #expect(crc32(tensor) == expected.tensor.crc32, "tensor")
        for (position, pixel) in expected.pixels {
            let yx = position.split(separator: ",").map { Int($0)! }
            let offset = yx[0] * 224 + yx[1]
            #expect(Array(cropped.pixels[offset * 3..<offset * 3 + 3]) == pixel.cropRgbUint8, "crop at \(position)")
            #expect((0..<3).map { tensor[$0 * 224 * 224 + offset] } == pixel.tensorChw.map(Float.init), "tensor at \(position)")
        }
    }

    @Test func batchOfBothPhotos() throws {
        let images = try RealPhotos.names.map { try RGBImage(contentsOfFile: RealPhotos.path($0)) }
        let batch = preprocessing.batch(images)
        #expect(batch.count == 2 * 3 * 224 * 224)
        for (index, photo) in RealPhotos.names.enumerated() {
            let plane = Array(batch[(index * 3 * 224 * 224)..<((index + 1) * 3 * 224 * 224)])
            #expect(crc32(plane) == reference.images[photo]?.tensor.crc32, "\(photo) in the batch")
        }
    }
}
