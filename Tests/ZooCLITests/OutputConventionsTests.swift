import Advisor
import Foundation
import TestSupport
import Testing

/// What every command has in common: `--json` keys in snake_case (as plan.json), `--quiet`,
/// warnings on standard error as `zoo: warning: …`, and every error as `zoo: error: …`.
@Suite struct OutputConventionsTests {
    let folder = try! TemporaryFolder()
    let fixture = Fixtures.path("safetensors", "all_dtypes.safetensors")

    /// Keys anywhere in `json` that are not snake_case, outside the maps keyed by data (tensor
    /// names, metadata, candidates, dtypes).
    static func camelKeys(_ json: Any, path: String = "") -> [String] {
        if let list = json as? [Any] { return list.flatMap { camelKeys($0, path: path) } }
        guard let object = json as? [String: Any] else { return [] }
        return object.flatMap { key, value -> [String] in
            if ["metadata", "features", "dtypes"].contains(key) { return [] }
            return (key.contains { $0.isUppercase } ? [path + key] : []) + camelKeys(value, path: path + key + ".")
        }
    }

    func jsonOutputs() throws -> [(String, Zoo.Result)] {
        let calibration = Calibration(
            key: .current, throughput: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            backward: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            probes: [], seconds: 0)
        try CalibrationCache.store(calibration, folder: folder.path)
        let features = try ScoreCommandTests.features(folder, "f.npy", informative: true, seed: 1), labels = try ScoreCommandTests.labels(folder)
        var runs: [(String, [String])] = [
            ("inspect", ["inspect", fixture, "--json"]), ("convert", ["convert", fixture, folder.file("out.safetensors"), "--json"]),
            ("models list", ["models", "list", "--json"]), ("models show", ["models", "show", "mobilenet_v2", "--json"]),
            ("models search", ["models", "search", "bert", "--json"]), ("calibrate", ["calibrate", "--json"]),
            ("score", ["score", "--features", features, "--labels", labels, "--json"]),
            ("advise", ["advise", "--output", folder.file("plan.json"), "--task", "image-classification", "--classes", "3", "--examples", "300", "--budget", "cpu:1h", "--json"]),
        ]
        if RealAssets.haveMobileNetV2AndPhotos {
            runs += [
                ("identify", ["identify", RealAssets.mobileNetV2, "--json"]), ("verify", ["verify", RealAssets.mobileNetV2, "--json"]),
                ("convert --to", ["convert", RealAssets.mobileNetV2, folder.file("m.safetensors"), "--to", "timm", "--skip-output-check", "--json"]),
                ("run", ["run", "--weights", RealAssets.mobileNetV2, "--image", RealAssets.photos + "/china.jpg", "--json"]),
            ]
        }
        return try runs.map { ($0.0, try Zoo.run(arguments: $0.1, environment: ["ZOO_CACHE_DIR": folder.path])) }
    }

    @Test func everyJSONOutputUsesSnakeCaseKeys() throws {
        for (command, result) in try jsonOutputs() {
            try #require(result.status == 0, "\(command): \(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            #expect(Self.camelKeys(json).isEmpty, "\(command): \(Self.camelKeys(json))")
            #expect(!result.stdout.contains("_d_type") && !result.stdout.contains("gma_cs"), "\(command): an acronym split apart")
        }
        let shown = try JSONSerialization.jsonObject(with: Data(try Zoo.run("models", "show", "resnet18", "--json").stdout.utf8)) as! [String: Any]
        let depth = (shown["freeze_depths"] as! [[String: Any]])[0]
        #expect(depth["forward_gmacs"] is Double && depth["backward_gmacs"] is Double && depth["trainable_parameters"] is Int)
    }

    @Test(arguments: [["inspect"], ["identify"], ["verify"], ["convert"], ["models", "list"], ["models", "show"], ["models", "search"],
                      ["models", "plot"], ["run"], ["score"], ["calibrate"], ["advise"]])
    func everyCommandTakesQuiet(_ command: [String]) throws {
        let help = try Zoo.run(arguments: command + ["--help"])
        #expect(help.status == 0 && help.stdout.contains("-q, --quiet"), "\(command)")
    }

    @Test func warningsGoToStandardErrorUnlessQuiet() throws {
        try FileManager.default.createDirectory(atPath: folder.file("cards"), withIntermediateDirectories: true)
        try "family: [".write(toFile: folder.file("cards/broken.yaml"), atomically: true, encoding: .utf8)
        let loud = try Zoo.run(arguments: ["models", "list"], environment: ["ZOO_CARDS": folder.file("cards")])
        #expect(loud.status == 0 && loud.stderr.hasPrefix("zoo: warning: model cards not loaded") && loud.stdout.contains("resnet50"), "\(loud.stderr)")
        let quiet = try Zoo.run(arguments: ["models", "list", "--quiet"], environment: ["ZOO_CARDS": folder.file("cards")])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty && quiet.stdout == loud.stdout, "\(quiet.stderr)")
    }

    @Test func everyErrorHasOnePrefix() throws {
        let cases: [([String], Int32)] = [
            (["inspect", "--bogus", fixture], 1), (["inspect"], 1), (["frobnicate"], 1), (["models", "list", "--family", "nonsense"], 1),
            (["models", "show", "resnt50"], 1), (["inspect", folder.file("absent.safetensors")], 2), (["run", "--weights", fixture, "--image", "x.jpg"], 2),
        ]
        for (arguments, status) in cases {
            let result = try Zoo.run(arguments: arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("zoo: error: ") && !result.stderr.contains("Error:"), "\(arguments): \(result.stderr)")
        }
        let usage = try Zoo.run("inspect", "--bogus", fixture)
        #expect(usage.stderr.contains("Usage: zoo inspect"), "\(usage.stderr)")
        let refused = try Zoo.run("run", "resnet18", "--weights", fixture, "--text", "hi")
        #expect(refused.status == 1 && refused.stderr == "zoo: error: resnet18 takes images, not --text\n", "\(refused.stderr)")
    }
}
