import Preprocessing
import TestSupport
import Testing

/// Resize, centre crop and tensor against torchvision's transforms on PIL images (fixtures).
struct ImagePreprocessingTests {
    static func preprocessing(_ run: ImageFixtures.Preprocessing) throws -> ImagePreprocessing {
        let filter = try #require(ResizeFilter(rawValue: run.filter))
        // torch.as_tensor(mean, dtype=torch.float32): each Python float rounded once to float32.
        return ImagePreprocessing(resize: run.resize, crop: run.crop, mean: run.mean.map(Float.init), std: run.std.map(Float.init), filter: filter)
    }

    @Test(arguments: ImageFixtures.expected.preprocessing)
    func matchesTorchvision(_ run: ImageFixtures.Preprocessing) throws {
        let preprocessing = try Self.preprocessing(run)
        let image = try RGBImage(contentsOfFile: ImageFixtures.path(run.file))

        let resized = image.resized(shorterSide: run.resize, filter: preprocessing.filter)
        #expect([resized.width, resized.height] == run.resizedSizeWh)
        #expect(crc32(resized.pixels) == run.resizedRgbCrc32, "resized bytes")
        let cropped = preprocessing.cropped(image)
        #expect(crc32(cropped.pixels) == run.cropRgbCrc32, "cropped bytes")

        let tensor = preprocessing.tensor(image)
        #expect(tensor.count == run.tensor.shape.reduce(1, *))
        #expect(Array(tensor.prefix(run.tensor.first.count)) == run.tensor.first.map(Float.init))
        let plane = run.crop * run.crop, center = run.crop / 2 * run.crop + run.crop / 2
        #expect((0..<3).map { tensor[$0 * plane + center] } == run.tensorCenter.map(Float.init))
        #expect(crc32(tensor) == run.tensor.crc32, "tensor bytes")
    }

    @Test func batchStacksTheTensorsOfEachImage() throws {
        let images = try ["rgb_37x23.jpg", "progressive_30x40.jpg", "palette4_23x13.png"].map { try RGBImage(contentsOfFile: ImageFixtures.path($0)) }
        let preprocessing = ImagePreprocessing(resize: 32, crop: 28, mean: ImagePreprocessing.imageNetMean, std: ImagePreprocessing.imageNetStd)
        let batch = preprocessing.batch(images)
        #expect(batch.count == 3 * 3 * 28 * 28)
        #expect(batch == images.flatMap(preprocessing.tensor))
        #expect(preprocessing.batch([]).isEmpty)
    }

    @Test func sameSizeResizeIsTheIdentity() throws {
        let image = try RGBImage(contentsOfFile: ImageFixtures.path("rgb_37x23.jpg"))
        for filter in ResizeFilter.allCases { #expect(image.resized(width: 37, height: 23, filter: filter) == image) }
        // One side unchanged: only the other is resampled, so a row of a one-row image keeps its order.
        let ramp = RGBImage(width: 4, height: 1, pixels: (0..<12).map { UInt8($0 * 20) })
        #expect(ramp.resized(width: 4, height: 3).pixels == Array(repeating: ramp.pixels, count: 3).flatMap { $0 })
    }

    /// torchvision pads with zeros when the crop is larger than the image: (crop - size) // 2 before.
    @Test func centerCropLargerThanTheImagePadsWithBlack() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        let cropped = image.centerCropped(width: 5, height: 2)
        let black: [UInt8] = [0, 0, 0]
        #expect(cropped.pixels == black + [1, 2, 3, 4, 5, 6] + black + black + Array(repeating: 0, count: 15))
        // Python's round() halves to even: (5 - 2) / 2 = 1.5 → 2, (7 - 2) / 2 = 2.5 → 2.
        let row = RGBImage(width: 5, height: 1, pixels: (0..<15).map(UInt8.init))
        #expect(row.centerCropped(width: 2, height: 1).pixels == [6, 7, 8, 9, 10, 11])
        let longer = RGBImage(width: 7, height: 1, pixels: (0..<21).map(UInt8.init))
        #expect(longer.centerCropped(width: 2, height: 1).pixels == [6, 7, 8, 9, 10, 11])
    }

    @Test func timmCropPercentage() {
        let lite0 = ImagePreprocessing(inputSize: 224, cropPercentage: 0.875, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], filter: .bicubic)
        #expect(lite0.resize == 256 && lite0.crop == 224)
        #expect(ImagePreprocessing(inputSize: 240, cropPercentage: 0.882, mean: [0, 0, 0], std: [1, 1, 1], filter: .bicubic).resize == 272)
    }

    /// The preset is the transform formats/engine/mobilenet_v2_photos.json was made with.
    @Test func imageNetPresetIsMobileNetV2sTransform() throws {
        let reference = try #require(try Fixtures.json("engine", "mobilenet_v2_photos.json") as? [String: Any])
        let preset = ImagePreprocessing.imageNet
        #expect(preset.mean == (reference["mean"] as? [Double])?.map(Float.init))
        #expect(preset.std == (reference["std"] as? [Double])?.map(Float.init))
        #expect(preset.resize == 256 && preset.crop == 224 && preset.filter == .bilinear)
        #expect(reference["preprocessing"] as? String == "PIL decode -> convert('RGB') -> Resize(256, BILINEAR, antialias=True) -> CenterCrop(224) -> ToTensor -> Normalize(mean, std)")
    }
}
