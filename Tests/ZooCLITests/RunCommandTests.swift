import Foundation
import TestSupport
import Testing

/// `zoo run` as a user runs it: the real MobileNetV2 and MiniLM when the assets are there, and
/// the exit codes of wrong inputs always.
@Suite struct RunCommandTests {
    @Test("top-5 ImageNet labels and probabilities of the real MobileNetV2 equal PyTorch's",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth and assets/images (make assets)"))
    func mobileNetTopFive() throws {
        let folder = try TemporaryFolder()
        let result = try Zoo.run(
            "run", "mobilenet_v2", "--weights", RealAssets.mobileNetV2, "--image", RealAssets.photos + "/china.jpg", "--json",
            "--features", folder.file("features.npy"))
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let top = ((report["entries"] as! [[String: Any]])[0]["top"] as! [[String: Any]])
        let reference = try Fixtures.json("engine", "mobilenet_v2_photos.json") as! [String: Any]
        let expected = ((reference["images"] as! [String: Any])["china.jpg"] as! [String: Any])["top5"] as! [[String: Any]]
        #expect(top.map { $0["label"] as! String } == expected.map { $0["label"] as! String })
        for (mine, theirs) in zip(top, expected) {
            #expect(abs((mine["probability"] as! Double) - (theirs["probability"] as! Double)) < 1e-5)
        }
        let features = try Data(contentsOf: URL(fileURLWithPath: folder.file("features.npy")))
        #expect(String(decoding: features.prefix(128), as: UTF8.self).contains("'shape': (1, 1280)"))
    }

    @Test("MiniLM prints the mean-pooled sentence embedding", .enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func miniLMEmbedding() throws {
        let result = try Zoo.run("run", "minilm_l6_h384", "--weights", RealAssets.miniLM + "/model.safetensors", "--text", "Hello world.", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let embedding = (report["entries"] as! [[String: Any]])[0]["embedding"] as! [Double]
        let reference = try Fixtures.json("engine", "minilm.json") as! [String: Any]
        let first = (reference["mean_pooled"] as! [String: Any])["first"] as! [Double]
        #expect(embedding.count == 384)
        for (mine, theirs) in zip(embedding, first) { #expect(abs(mine - theirs) < 1e-5) }
    }

    @Test("wrong inputs exit with their documented codes")
    func exitCodes() throws {
        let image = Fixtures.path("images", "rgb_37x23.jpg")
        let checkpoint = Fixtures.path("safetensors", "all_dtypes.safetensors")
        // Usage (1): no inputs, unknown model, text for an image model.
        #expect(try Zoo.run("run", "resnet18", "--weights", checkpoint).status == 1)
        #expect(try Zoo.run("run", "resnet1000", "--weights", checkpoint, "--image", image).status == 1)
        #expect(try Zoo.run("run", "resnet18", "--weights", checkpoint, "--text", "hi").status == 1)
        // Bad input (2): a checkpoint without the model's tensors, an image that is not one.
        let missing = try Zoo.run("run", "resnet18", "--weights", checkpoint, "--image", image)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("conv1.weight"))
        let notImage = try Zoo.run("run", "resnet18", "--weights", checkpoint, "--image", checkpoint)
        #expect(notImage.status == 2)
        #expect(notImage.stderr.contains("all_dtypes.safetensors"))
    }
}
