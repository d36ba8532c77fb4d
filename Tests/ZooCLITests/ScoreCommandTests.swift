import CheckpointFormats
import Foundation
import TestSupport
import Tensors
import Testing

/// `zoo score` as a user runs it: rankings of precomputed features, the real MobileNetV2 and
/// EfficientNet-Lite0 on copies of the photos when the assets are there, and bad input's exit codes.
@Suite struct ScoreCommandTests {
    /// Writes `values` as a .npy of `shape` and returns its path.
    static func npy<T: BitwiseCopyable>(_ folder: TemporaryFolder, _ name: String, _ values: [T], dtype: DType, shape: [Int]) throws -> String {
        let path = folder.file(name)
        let tensor = Tensor(values, dtype: dtype, shape: try Shape(shape))
        let writer = try NpyWriter(path: path, tensors: [TensorInfo(name: name, dtype: dtype, shape: tensor.shape)])
        try writer.append(tensor)
        _ = try writer.commit()
        return path
    }

    /// 120 samples of 3 classes, 8 features: noise, plus 2 in the class's feature when `informative`.
    static func features(_ folder: TemporaryFolder, _ name: String, informative: Bool, seed: UInt64) throws -> String {
        var generator = SplitMix64(seed: seed)
        let values = (0..<120 * 8).map { index -> Float in
            let noise = Float(generator.next() >> 40) / Float(1 << 24) - 0.5
            return noise + (informative && index % 8 == (index / 8) % 3 ? 2 : 0)
        }
        return try npy(folder, name, values, dtype: .f32, shape: [120, 8])
    }

    static func labels(_ folder: TemporaryFolder) throws -> String {
        try npy(folder, "labels.npy", (0..<120).map { Int64($0 % 3) }, dtype: .i64, shape: [120])
    }

    static func ranking(_ result: Zoo.Result) throws -> [[String: Any]] {
        try #require(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        return report["ranking"] as! [[String: Any]]
    }

    @Test("features that separate the classes rank above noise; two equally informative sets tie")
    func rankingOfPrecomputedFeatures() throws {
        let folder = try TemporaryFolder()
        let good = try Self.features(folder, "good.npy", informative: true, seed: 1)
        let twin = try Self.features(folder, "twin.npy", informative: true, seed: 2)
        let noise = try Self.features(folder, "noise.npy", informative: false, seed: 3)
        let labels = try Self.labels(folder)
        let ranked = try Self.ranking(Zoo.run("score", "--features", noise, "--features", good, "--features", twin, "--labels", labels, "--json"))
        #expect(ranked.map { $0["rank"] as! Int } == [1, 1, 3])
        #expect(ranked.map { $0["tied"] as! Bool } == [true, true, false])
        #expect(Set(ranked.prefix(2).map { $0["name"] as! String }) == [good, twin] && ranked[2]["name"] as! String == noise)
        let text = try Zoo.run("score", "--features", noise, "--features", good, "--labels", labels)
        #expect(text.status == 0)
        let rows = text.stdout.split(separator: "\n").filter { $0.hasSuffix("]") }
        #expect(rows.count == 2 && rows[0].contains(good) && rows[0].hasPrefix("   1  ") && rows[1].contains(noise) && rows[1].hasPrefix("   2  "))
    }

    @Test("bad input exits 2 saying what is wrong; a wrong command line exits 1")
    func badInput() throws {
        let folder = try TemporaryFolder()
        let good = try Self.features(folder, "good.npy", informative: true, seed: 1)
        let labels = try Self.labels(folder)
        let short = try Self.npy(folder, "short.npy", [Float](repeating: 1, count: 80), dtype: .f32, shape: [10, 8])
        let floatLabels = try Self.npy(folder, "float_labels.npy", [Float](repeating: 1, count: 120), dtype: .f32, shape: [120])
        let missing = try Zoo.run("score", "--model", "mobilenet_v2=whatever.pth", "--data", folder.file("no-such-folder"))
        #expect(missing.status == 2 && missing.stderr.contains("no-such-folder: no such file or folder"))
        try FileManager.default.createDirectory(atPath: folder.file("one/cats"), withIntermediateDirectories: true)
        try Data([0xFF, 0xD8, 0xFF]).write(to: URL(fileURLWithPath: folder.file("one/cats/a.jpg")))
        let oneClass = try Zoo.run("score", "--model", "mobilenet_v2=whatever.pth", "--data", folder.file("one"))
        #expect(oneClass.status == 2 && oneClass.stderr.contains("every example is in class 'cats'"))
        let mismatched = try Zoo.run("score", "--features", good, "--features", short, "--labels", labels)
        #expect(mismatched.status == 2 && mismatched.stderr.contains("10 samples (rows) but \(labels) has 120 labels"))
        let notIntegers = try Zoo.run("score", "--features", good, "--labels", floatLabels)
        #expect(notIntegers.status == 2 && notIntegers.stderr.contains("labels must be integers"))
        let oneLabel = try Self.npy(folder, "one_label.npy", [Int64](repeating: 4, count: 120), dtype: .i64, shape: [120])
        let single = try Zoo.run("score", "--features", good, "--labels", oneLabel)
        #expect(single.status == 2 && single.stderr.contains("every sample has label 4"))
        #expect(try Zoo.run("score", "--features", good).status == 1)
        #expect(try Zoo.run("score", "--features", good, "--labels", labels, "--data", folder.path).status == 1)
    }

    @Test("on copies of the photos, the real models' scores equal LogME of `zoo run --features` (the same features)",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos && RealAssets.haveEfficientNetLite0AndPhotos,
                   "needs the MobileNetV2 and EfficientNet-Lite0 checkpoints and assets/images (make assets)"))
    func realModels() throws {
        let folder = try TemporaryFolder()
        // Two classes of three copies of one photo each: what matters here is that both paths compute the same features.
        var images = [String](), classes = [Int64]()
        for (label, photo) in ["china", "flower"].enumerated() {
            try FileManager.default.createDirectory(atPath: folder.file("data/\(photo)"), withIntermediateDirectories: true)
            for copy in 0..<3 {
                let path = folder.file("data/\(photo)/\(copy).jpg")
                try FileManager.default.copyItem(atPath: RealAssets.photos + "/\(photo).jpg", toPath: path)
                images.append(path)
                classes.append(Int64(label))
            }
        }
        let labels = try Self.npy(folder, "labels.npy", classes, dtype: .i64, shape: [classes.count])
        let ranked = try Self.ranking(Zoo.run(
            "score", "--model", "mobilenet_v2=" + RealAssets.mobileNetV2, "--model", RealAssets.efficientNetLite0,
            "--data", folder.file("data"), "--json", "--resamples", "0"))
        #expect(ranked.count == 2)
        for (checkpoint, model) in [(RealAssets.mobileNetV2, "mobilenet_v2"), (RealAssets.efficientNetLite0, "tf_efficientnet_lite0")] {
            let features = folder.file("\(model).npy")
            let run = try Zoo.run(arguments: ["run", "--weights", checkpoint, "--features", features] + images.flatMap { ["--image", $0] })
            try #require(run.status == 0, "\(run.stderr)")
            let direct = try Self.ranking(Zoo.run("score", "--features", features, "--labels", labels, "--json", "--resamples", "0"))
            let scored = try #require(ranked.first { ($0["name"] as! String).hasPrefix(model + " ") })
            let expected = (direct[0]["score"] as! [String: Any])["score"] as! Double
            #expect(abs((scored["score"] as! [String: Any])["score"] as! Double - expected) < 1e-9, "\(model)")
        }
    }

    @Test("candidates are told apart by path: two runs' model.pth are two rows; the same file twice is a usage error",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs the MobileNetV2 checkpoint and assets/images (make assets)"))
    func candidatesByPath() throws {
        let folder = try TemporaryFolder()
        for photo in ["china", "flower"] {
            try FileManager.default.createDirectory(atPath: folder.file("data/\(photo)"), withIntermediateDirectories: true)
            for copy in 0..<2 { try FileManager.default.copyItem(atPath: RealAssets.photos + "/\(photo).jpg", toPath: folder.file("data/\(photo)/\(copy).jpg")) }
        }
        for run in ["runA", "runB"] {
            try FileManager.default.createDirectory(atPath: folder.file(run), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: RealAssets.mobileNetV2, toPath: folder.file("\(run)/model.pth"))
        }
        let ranked = try Self.ranking(Zoo.run(
            "score", "--model", folder.file("runA/model.pth"), "--model", folder.file("runB/model.pth"), "--data", folder.file("data"),
            "--json", "--resamples", "0"))
        #expect(Set(ranked.map { $0["name"] as! String }) == ["mobilenet_v2 (runA/model.pth)", "mobilenet_v2 (runB/model.pth)"])

        let twice = try Zoo.run("score", "--model", folder.file("runA/model.pth"), "--model", "mobilenet_v2=" + folder.file("runA/../runA/model.pth"), "--data", folder.file("data"))
        #expect(twice.status == 1 && twice.stderr.contains("are the same file") && !twice.stderr.contains("Fatal error"), "\(twice.stderr)")
        let labels = try Self.labels(folder)
        let good = try Self.features(folder, "good.npy", informative: true, seed: 1)
        let sameFeatures = try Zoo.run("score", "--features", good, "--features", good, "--labels", labels)
        #expect(sameFeatures.status == 1 && sameFeatures.stderr.contains("--features \(good) and --features \(good) are the same file"), "\(sameFeatures.stderr)")
    }
}
