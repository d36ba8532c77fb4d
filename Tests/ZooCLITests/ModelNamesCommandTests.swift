import Advisor
import Foundation
import TestSupport
import Testing
import Plans

/// Every command that takes a model takes the names users already know (Hugging Face ids,
/// torchvision weights, timm names with tags, hyphen/underscore variants); unknown names get the
/// closest; `search` takes globs; `--max-gmacs` (with its old name) filters multiply-accumulates.
@Suite struct ModelNamesCommandTests {
    static func shownModel(_ name: String) throws -> String? {
        let result = try Zoo.run("models", "show", name, "--json")
        guard result.status == 0 else { return nil }
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        return (report["model"] as! [String: Any])["name"] as? String
    }

    @Test(arguments: [
        ("bert-base-uncased", "bert_base_uncased"), ("google-bert/bert-base-uncased", "bert_base_uncased"),
        ("sentence-transformers/all-MiniLM-L6-v2", "minilm_l6_h384"), ("resnet50.tv_in1k", "resnet50"),
        ("ResNet50_Weights.IMAGENET1K_V2", "resnet50"), ("mobilenet-v2", "mobilenet_v2"), ("tf-efficientnet-lite0", "tf_efficientnet_lite0"),
    ])
    func modelsShowTakesKnownNames(_ name: String, _ model: String) throws {
        #expect(try Self.shownModel(name) == model)
    }

    @Test func anUnknownNameGetsTheClosestNames() throws {
        let result = try Zoo.run("models", "show", "bert-base-uncasd")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("zoo: error: unknown model 'bert-base-uncasd'; did you mean bert_base_uncased"), "\(result.stderr)")
        let far = try Zoo.run("models", "show", "qqqqqqqqqqqq")
        #expect(far.status == 1 && far.stderr.contains("zoo models search"), "\(far.stderr)")
    }

    @Test func searchTakesGlobsAndHubIds() throws {
        let result = try Zoo.run("models", "search", "*lite*", "--json")
        #expect(result.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        #expect(rows.map { $0["name"] as! String } == (0...4).map { "tf_efficientnet_lite\($0)" })
        let hub = try Zoo.run("models", "search", "sentence-transformers/*")
        #expect(hub.status == 0 && hub.stdout.contains("minilm_l6_h384") && hub.stdout.contains("minilm_l12_h384") && !hub.stdout.contains("bert_base"))
    }

    @Test func maxGmacsFiltersMultiplyAccumulatesAndMaxGflopsStaysAnAlias() throws {
        func names(_ flag: String) throws -> [String] {
            let result = try Zoo.run("models", "list", "--task", "image", flag, "1", "--json")
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
            #expect(rows.allSatisfy { ($0["gmacs"] as! Double) <= 1 })
            return rows.map { $0["name"] as! String }
        }
        let gmacs = try names("--max-gmacs")
        #expect(gmacs.contains("mobilenet_v2") && !gmacs.contains("resnet50"))
        #expect(try names("--max-gflops") == gmacs)
        let help = try Zoo.run("models", "list", "--help")
        #expect(help.stdout.contains("--max-gmacs") && !help.stdout.contains("--max-gflops"))
        let sorted = try Zoo.run("models", "list", "--sort", "gmacs", "--json"), old = try Zoo.run("models", "list", "--sort", "flops", "--json")
        #expect(sorted.status == 0 && sorted.stdout == old.stdout)
    }

    @Test func adviseTakesHubIdsForModelAndExclude() throws {
        let folder = try TemporaryFolder()
        let calibration = Calibration(
            key: .current, throughput: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            backward: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            probes: [], seconds: 0)
        try CalibrationCache.store(calibration, folder: folder.path)
        let result = try Zoo.run(
            arguments: ["advise", "--output", folder.file("plan.json"), "--task", "text-classification", "--classes", "2", "--examples", "800",
                        "--budget", "gpu:a100:1h", "--model", "google-bert/bert-base-uncased", "--exclude", "distilbert-base-uncased,roberta"],
            environment: ["ZOO_CACHE_DIR": folder.path])
        try #require(result.status == 0, "\(result.stderr)")
        let plan = try FineTunePlan(path: folder.file("plan.json"))
        #expect(plan.model.name == "bert_base_uncased")
        #expect(Set(plan.preferences.excludedFamilies) == ["distilbert", "roberta"])
        let unknown = try Zoo.run(
            arguments: ["advise", "--output", folder.file("other.json"), "--task", "text-classification", "--classes", "2", "--examples", "800",
                        "--budget", "gpu:a100:1h", "--model", "bert-base-uncasd"],
            environment: ["ZOO_CACHE_DIR": folder.path])
        #expect(unknown.status == 1 && unknown.stderr.contains("did you mean bert_base_uncased"), "\(unknown.stderr)")
    }

    @Test("identify and verify take any name for --model", .enabled(if: RealAssets.exists(RealAssets.mobileNetV2), "needs the real MobileNetV2 (make assets)"))
    func identifyAndVerifyTakeKnownNames() throws {
        let identified = try Zoo.run("identify", RealAssets.mobileNetV2, "--model", "MobileNet_V2_Weights.IMAGENET1K_V1", "--json")
        try #require(identified.status == 0, "\(identified.stderr)")
        let best = (try JSONSerialization.jsonObject(with: Data(identified.stdout.utf8)) as! [String: Any])["best"] as! [String: Any]
        #expect(best["model"] as? String == "mobilenet_v2")
        #expect(try Zoo.run("verify", RealAssets.mobileNetV2, "--model", "mobilenet-v2").status == 0)
        let unknown = try Zoo.run("verify", RealAssets.mobileNetV2, "--model", "mobilenet_v9")
        #expect(unknown.status == 1 && unknown.stderr.contains("did you mean"), "\(unknown.stderr)")
    }

    @Test("zoo run takes a Hugging Face id as MODEL", .enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func runTakesAHubIdAsTheModel() throws {
        let result = try Zoo.run("run", "sentence-transformers/all-MiniLM-L6-v2", "--weights", RealAssets.miniLM + "/model.safetensors", "--text", "Hello world.", "--json")
        try #require(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect((report["reading"] as! [String: Any])["model"] as? String == "minilm_l6_h384")
        #expect(try Zoo.run("run", "all-MiniLM-L7-v2", "--weights", RealAssets.miniLM + "/model.safetensors", "--text", "hi").status == 1)
    }
}
