import CheckpointFormats
import Foundation
import TestSupport
import Testing

/// `zoo run` as a user runs it: the real MobileNetV2 and MiniLM when the assets are there (also
/// converted by `zoo convert --to` into other conventions, and the real lukemelas and imgsim
/// files, run without renaming), and the exit codes of wrong inputs always.
@Suite struct RunCommandTests {
    static let needsMobileNetV2: Comment = "needs assets/torch/mobilenet_v2-b0353104.pth and assets/images (make assets)"

    /// `zoo run … --json`'s report, failing the test on a non-zero exit.
    static func report(_ result: Zoo.Result) throws -> [String: Any] {
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    /// The first input's classes from a report: class index → logit.
    static func logits(_ report: [String: Any]) -> [Int: Double] {
        let top = (report["entries"] as! [[String: Any]])[0]["top"] as! [[String: Any]]
        return Dictionary(uniqueKeysWithValues: top.map { ($0["index"] as! Int, $0["logit"] as! Double) })
    }

    static func reading(_ report: [String: Any]) -> [String: Any] { report["reading"] as! [String: Any] }

    /// `zoo convert SOURCE FOLDER/NAME --to CONVENTION [extra…]`, returning the output's path.
    static func convert(_ source: String, _ folder: TemporaryFolder, _ name: String, to convention: String, _ extra: String...) throws -> String {
        let output = folder.file(name)
        let process = try Zoo.run(arguments: ["convert", source, output, "--to", convention] + extra)
        try #require(process.status == 0, "\(process.stderr)")
        return output
    }
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

    @Test("a timm file converted from the real MobileNetV2 is identified and gives exactly the .pth's top-5 logits",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, needsMobileNetV2))
    func timmFileRunsLikeTheOriginal() throws {
        let folder = try TemporaryFolder()
        let timm = try Self.convert(RealAssets.mobileNetV2, folder, "mobilenetv2_100.pth", to: "timm")
        let original = try Self.report(Zoo.run("run", "--weights", RealAssets.mobileNetV2, "--image", RealAssets.photos + "/china.jpg", "--json"))
        let result = try Zoo.run("run", "--weights", timm, "--image", RealAssets.photos + "/china.jpg", "--json")
        let converted = try Self.report(result)
        #expect(Self.reading(original)["convention"] as? String == "torchvision")
        #expect(Self.reading(converted)["model"] as? String == "mobilenet_v2" && Self.reading(converted)["convention"] as? String == "timm")
        #expect(Self.logits(converted).count == 5 && Self.logits(converted) == Self.logits(original))
        #expect(!result.stderr.contains("note:"), "timm's MobileNetV2 computes torchvision's function: \(result.stderr)")
    }

    @Test("Keras files (stock and ε-folded) run Keras's function, with a note naming what differs",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, needsMobileNetV2))
    func kerasFileSaysWhatDiffers() throws {
        let folder = try TemporaryFolder()
        let flower = RealAssets.photos + "/flower.jpg"
        let original = Self.logits(try Self.report(Zoo.run("run", "--weights", RealAssets.mobileNetV2, "--image", flower, "--top", "1000", "--json")))
        let files = [
            try Self.convert(RealAssets.mobileNetV2, folder, "mnv2.h5", to: "keras", "--allow-different-function"),
            try Self.convert(RealAssets.mobileNetV2, folder, "mnv2-folded.h5", to: "keras", "--fold-epsilon", "--allow-different-function"),
        ]
        for file in files {
            let result = try Zoo.run("run", "mobilenet_v2", "--weights", file, "--image", flower, "--top", "1000", "--json")
            let report = try Self.report(result)
            #expect(Self.reading(report)["convention"] as? String == "keras")
            #expect((Self.reading(report)["differences"] as? [String])?.count == 2)
            let note = result.stderr.split(separator: "\n").filter { $0.hasPrefix("zoo: note:") }
            #expect(note.count == 1 && note[0].contains("ε = 0.001") && note[0].contains("SAME"), "\(result.stderr)")
            let keras = Self.logits(report)
            let distance = original.reduce(0.0) { max($0, abs($1.value - (keras[$1.key] ?? 0))) }
            #expect(keras.count == 1000 && distance > 1e-3, "\(file): max |Keras − torchvision| logit = \(distance)")
            print("\(URL(fileURLWithPath: file).lastPathComponent) vs the .pth on flower.jpg: max |Δ logit| = \(distance)")
        }
    }

    @Test("tensors that are not part of the model are ignored with a warning naming them",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, needsMobileNetV2))
    func strayTensorsAreNamed() throws {
        let folder = try TemporaryFolder()
        let reader = try Checkpoint.open(RealAssets.mobileNetV2)
        // The classifier's bias once more, as an auxiliary head's.
        let bias = try #require(reader.tensors.first { $0.name == "classifier.1.bias" })
        let path = folder.file("with-stray.safetensors")
        let writer = try SafetensorsWriter(path: path, tensors: reader.tensors + [TensorInfo(name: "aux_head.bias", dtype: bias.dtype, shape: bias.shape)])
        for info in reader.tensors + [bias] { try writer.append(reader.tensor(named: info.name)) }
        _ = try writer.commit()
        let china = RealAssets.photos + "/china.jpg"
        let result = try Zoo.run("run", "--weights", path, "--image", china, "--json")
        let original = try Self.report(Zoo.run("run", "--weights", RealAssets.mobileNetV2, "--image", china, "--json"))
        #expect(Self.logits(try Self.report(result)) == Self.logits(original))
        #expect(result.stderr.contains("warning: 1 tensor(s)") && result.stderr.contains("aux_head.bias"), "\(result.stderr)")
    }

    @Test("the real lukemelas EfficientNet-Lite0 and the imgsim ResNet-50 (module.pre., 768-way head) run without renaming")
    func realFilesInOtherConventionsRun() throws {
        let flower = RealAssets.photos + "/flower.jpg"
        let files: [(String, String, String, String, Int)] = [
            (RealAssets.efficientNetLite0, "tf_efficientnet_lite0", "lukemelas", "", 1000),
            (RealAssets.imgsimResNet50, "resnet50", "torchvision", "module.pre.", 768),
        ]
        for (file, model, convention, prefix, classes) in files {
            guard RealAssets.exists(file) && RealAssets.exists(flower) else {
                print("skipped: \(file) or the photos are absent (make assets fetches them)")
                continue
            }
            let report = try Self.report(Zoo.run("run", "--weights", file, "--image", flower, "--json"))
            let reading = Self.reading(report)
            #expect(reading["model"] as? String == model && reading["convention"] as? String == convention)
            #expect(reading["prefix"] as? String == prefix && reading["classes"] as? Int == classes)
            #expect(Self.logits(report).count == 5)
        }
    }

    @Test("MiniLM converted to TF1 BERT embeds text with the tanh GELU, and says so",
          .enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func tf1BERTMiniLMEmbedding() throws {
        let folder = try TemporaryFolder()
        let file = try Self.convert(RealAssets.miniLM + "/model.safetensors", folder, "minilm.npz", to: "tf1-bert", "--allow-different-function")
        let result = try Zoo.run("run", "--weights", file, "--tokenizer", RealAssets.miniLM, "--text", "Hello world.", "--json")
        let report = try Self.report(result)
        #expect(Self.reading(report)["model"] as? String == "minilm_l6_h384" && Self.reading(report)["convention"] as? String == "tf1-bert")
        #expect(result.stderr.contains("note:") && result.stderr.contains("tanh"), "\(result.stderr)")
        let embedding = (report["entries"] as! [[String: Any]])[0]["embedding"] as! [Double]
        let reference = try Fixtures.json("engine", "minilm.json") as! [String: Any]
        let tanh = (reference["mean_pooled_tanh_gelu"] as! [String: Any])["first"] as! [Double]
        let erf = (reference["mean_pooled"] as! [String: Any])["first"] as! [Double]
        #expect(zip(embedding, tanh).allSatisfy { abs($0 - $1) < 1e-5 }, "\(embedding.prefix(4)) against gelu_new's \(tanh)")
        #expect(zip(embedding, erf).contains { abs($0 - $1) > 1e-4 }, "the tanh GELU's embedding must not be the erf GELU's")
    }

    @Test("MiniLM's folder declares mean pooling and a Normalize step: the embedding has norm 1 and is the mean-pooled one over its norm; the note and --json say so",
          .enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func miniLMEmbedding() throws {
        let result = try Zoo.run("run", "minilm_l6_h384", "--weights", RealAssets.miniLM + "/model.safetensors", "--text", "Hello world.", "--json")
        let report = try Self.report(result)
        let entry = (report["entries"] as! [[String: Any]])[0]
        let embedding = entry["embedding"] as! [Double]
        let pooling = report["pooling"] as! [String: Any]
        #expect(pooling["mode"] as? String == "mean" && pooling["normalized"] as? Bool == true)
        #expect(pooling["declared_by"] as? String == RealAssets.miniLM + "/modules.json")
        #expect(result.stderr.contains("note: sentence embeddings by mean pooling, L2-normalised (as \(RealAssets.miniLM)/modules.json declares)"), "\(result.stderr)")
        #expect(abs((entry["embedding_norm"] as! Double) - 1) < 1e-5)
        let reference = try Fixtures.json("engine", "minilm.json") as! [String: Any]
        let normalized = (reference["normalized"] as! [String: Any])["first"] as! [Double]
        #expect(embedding.count == 384)
        for (mine, theirs) in zip(embedding, normalized) { #expect(abs(mine - theirs) < 1e-5) }

        // The same weights in a folder without modules.json: zoo's default, mean pooling, unnormalised.
        let folder = try TemporaryFolder()
        for file in ["model.safetensors", "vocab.txt"] {
            try FileManager.default.createSymbolicLink(atPath: folder.file(file), withDestinationPath: RealAssets.miniLM + "/" + file)
        }
        let plain = try Self.report(Zoo.run("run", "--weights", folder.path, "--text", "Hello world.", "--json"))
        #expect((plain["pooling"] as! [String: Any])["normalized"] as? Bool == false)
        let mean = ((plain["entries"] as! [[String: Any]])[0]["embedding"] as! [Double])
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let first = (reference["mean_pooled"] as! [String: Any])["first"] as! [Double]
        for (mine, theirs) in zip(mean, first) { #expect(abs(mine - theirs) < 1e-5) }
        #expect(norm > 2 && zip(embedding, mean).allSatisfy { abs($0 - $1 / norm) < 1e-6 })
    }

    @Test("wrong inputs exit with their documented codes")
    func exitCodes() throws {
        let image = Fixtures.path("images", "rgb_37x23.jpg")
        let checkpoint = Fixtures.path("safetensors", "all_dtypes.safetensors")
        // Usage (1): no inputs, unknown model, text for an image model.
        #expect(try Zoo.run("run", "resnet18", "--weights", checkpoint).status == 1)
        #expect(try Zoo.run("run", "resnet1000", "--weights", checkpoint, "--image", image).status == 1)
        #expect(try Zoo.run("run", "resnet18", "--weights", checkpoint, "--text", "hi").status == 1)
        // Bad input (2): a checkpoint with none of the model's tensors (named or identified).
        let unrelated = try Zoo.run("run", "resnet18", "--weights", checkpoint, "--image", image)
        #expect(unrelated.status == 2)
        #expect(unrelated.stderr.contains("cannot tell which model") && unrelated.stderr.contains("resnet18"), "\(unrelated.stderr)")
        let unidentified = try Zoo.run("run", "--weights", checkpoint, "--image", image)
        #expect(unidentified.status == 2)
        #expect(unidentified.stderr.contains("any registry model"), "\(unidentified.stderr)")
        guard RealAssets.haveMobileNetV2AndPhotos else { return }
        // An image that is not one (2); a named convention the file does not use (2); a model whose tensors are only partly there (6).
        let notImage = try Zoo.run("run", "--weights", RealAssets.mobileNetV2, "--image", checkpoint)
        #expect(notImage.status == 2)
        #expect(notImage.stderr.contains("all_dtypes.safetensors"))
        #expect(try Zoo.run("run", "--weights", RealAssets.mobileNetV2, "--convention", "keras", "--image", image).status == 2)
        let partial = try Zoo.run("run", "mobilenet_v3_small", "--weights", RealAssets.mobileNetV2, "--image", image)
        #expect(partial.status == 6, "\(partial.stderr)")
        #expect(partial.stderr.contains("missing"), "\(partial.stderr)")
    }
}
