import Advisor
import Foundation
import TestSupport
import Testing
import Plans

/// `zoo advise` as a user runs it: from flags, a task file or answers on standard input to a
/// summary and a plan.json that reads back; JSON for scripts; exit 7 and the nearest plan when
/// nothing fits; LogME on the real checkpoints; bad requests' exit codes. A fixed calibration
/// (backward kernels as fast as forward ones) is cached for the runs, so that prices do not depend
/// on the machine's load.
@Suite struct AdviseCommandTests {
    let folder: TemporaryFolder
    let environment: [String: String]

    init() throws {
        folder = try TemporaryFolder()
        let calibration = Calibration(
            key: .current, throughput: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            backward: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            probes: [], seconds: 0)
        try CalibrationCache.store(calibration, folder: folder.path)
        environment = ["ZOO_CACHE_DIR": folder.path]
    }

    func advise(_ arguments: String..., input: String? = nil) throws -> Zoo.Result {
        try Zoo.run(arguments: ["advise", "--output", folder.file("plan.json")] + arguments, environment: environment, input: input)
    }

    func plan() throws -> FineTunePlan { try FineTunePlan(path: folder.file("plan.json")) }

    @Test func flagsGiveASummaryAndAPlanThatReadsBack() throws {
        let result = try advise("--task", "image-classification", "--classes", "37", "--examples", "3700", "--shift", "none", "--budget", "cpu:8h",
                                "--plot", folder.file("candidates.svg"))
        try #require(result.status == 0, "\(result.stderr)")
        let plan = try plan()
        #expect(plan.profile.classes == 37 && plan.budget.wallClockSeconds == 8 * 3600 && plan.profile.shift == .none)
        for heading in ["Candidates:", "Recommendation: \(plan.model.name)", "█ frozen  ░ trained", "Training:", "Estimates:", "Why:", "Alternatives:"] {
            #expect(result.stdout.contains(heading), "\(heading)")
        }
        #expect(result.stdout.contains("Freeze: \(plan.freeze.frozen.count) of \(plan.freeze.frozen.count + plan.freeze.trainable.count) groups frozen"))
        let svg = try String(contentsOfFile: folder.file("candidates.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.contains(plan.model.name))
    }

    @Test func jsonListsEveryCandidateAndThePlan() throws {
        let result = try advise("--task", "text-classification", "--classes", "2", "--examples", "800", "--budget", "gpu:a100:1h", "--json")
        try #require(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(report["feasible"] as? Bool == true && report["plan_file"] as? String == folder.file("plan.json"))
        let candidates = report["candidates"] as! [[String: Any]]
        #expect(candidates.count >= 10 && candidates.allSatisfy { $0["training_seconds"] is Double && $0["latency_ms"] is Double })
        let plan = try plan()
        #expect((report["plan"] as! [String: Any])["model"].flatMap { ($0 as? [String: Any])?["name"] as? String } == plan.model.name)
        #expect(plan.optimizer.kind == .adamW && plan.profile.modality == .text)
    }

    @Test func aTaskFileWithFlagsOverItAndADatasetThatIsCounted() throws {
        for (index, label) in ["cat", "dog", "dog"].enumerated() {
            try FileManager.default.createDirectory(atPath: folder.file("data/\(label)"), withIntermediateDirectories: true)
            try Data([0xFF, 0xD8]).write(to: URL(fileURLWithPath: folder.file("data/\(label)/\(index).jpg")))
        }
        try """
            dataset: \(folder.file("data"))
            shift: input:medical
            budget: cpu:1h
            exclude: [vgg]
            """.write(toFile: folder.file("task.yaml"), atomically: true, encoding: .utf8)
        let result = try advise("--task-file", folder.file("task.yaml"), "--budget", "cpu:30m")
        try #require(result.status == 0, "\(result.stderr)")
        let plan = try plan()
        #expect(plan.profile.examples == 3 && plan.profile.classNames == ["cat", "dog"] && plan.profile.dataset == folder.file("data"))
        #expect(plan.budget.wallClockSeconds == 1800 && plan.model.family != "vgg" && plan.profile.shift == .input(.medical))
    }

    @Test func interactiveAsksOnlyForWhatIsMissing() throws {
        // Given: classes. Asked: modality, task (default), examples, shift, robustness (default), budget, objective (default).
        let result = try advise("--interactive", "--classes", "5", input: "image\n\nlots\n500\nlabel\n\ncpu:2h\n\n")
        try #require(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("classes ("), "classes was given, so it is not asked")
        #expect(result.stdout.contains("examples: 'lots' is not valid"))
        let plan = try plan()
        #expect(plan.profile.classes == 5 && plan.profile.examples == 500 && plan.profile.shift == .label && plan.budget.wallClockSeconds == 7200)
    }

    @Test func nothingFitsExitsSevenWithTheNearestPlanAndWhatWouldFit() throws {
        let result = try advise("--task", "image-classification", "--classes", "10", "--examples", "50000", "--budget", "cpu:1m")
        #expect(result.status == 7)
        #expect(result.stderr.contains("no candidate fits the budget"))
        #expect(result.stdout.contains("Nearest (nothing fits)") && result.stdout.contains("Feasible alternatives: a budget of at least cpu:"))
        #expect(try !plan().warnings.isEmpty)
    }

    @Test func badRequestsAreRefusedWithTheFieldNamed() throws {
        let missing = try advise("--task", "image-classification", "--classes", "10")
        #expect(missing.status == 1 && missing.stderr.contains("examples: missing"))
        let unknownFlag = try advise("--task", "image-classification", "--clases", "10", "--examples", "100", "--budget", "cpu:1h")
        #expect(unknownFlag.status == 1 && unknownFlag.stderr.contains("did you mean --classes"))
        let badBudget = try advise("--task", "image-classification", "--classes", "10", "--examples", "100", "--budget", "gpu:voodoo2:1h")
        #expect(badBudget.status == 1 && badBudget.stderr.contains("voodoo2"))
        try "classes: [".write(toFile: folder.file("broken.yaml"), atomically: true, encoding: .utf8)
        let broken = try advise("--task-file", folder.file("broken.yaml"))
        #expect(broken.status == 2 && broken.stderr.contains("broken.yaml"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("plan.json")), "no plan is written for a refused request")
    }

    @Test func fewerExamplesThanClassesAndAMissingDatasetAreRefused() throws {
        let few = try advise("--task", "image-classification", "--classes", "37", "--examples", "10", "--budget", "cpu:2h")
        #expect(few.status == 1 && few.stderr.contains("examples: 10 is fewer than classes (37)"), "\(few.stderr)")
        let empty = try advise("--task", "image-classification", "--classes", "3", "--examples-per-class", "5,0,5", "--examples", "10", "--budget", "cpu:2h")
        #expect(empty.status == 1 && empty.stderr.contains("examples_per_class: class 2 of 3 has no examples"), "\(empty.stderr)")
        let missing = try advise("--dataset", folder.file("no-such-folder"), "--budget", "cpu:2h")
        #expect(missing.status == 2 && missing.stderr.contains("no-such-folder: no such file or folder"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("plan.json")), "no plan is written for a refused request")
    }

    @Test("--robustness and --cpu-only take yes, no, true or false, as --help says, or stand alone for yes")
    func switchesTakeTheValuesHelpDocuments() throws {
        let help = try Zoo.run("advise", "--help")
        #expect(help.stdout.contains("--robustness [yes|no]") && help.stdout.contains("--cpu-only [yes|no]"))
        for (values, robust, cpuOnly) in [(["--robustness", "yes", "--cpu-only", "no"], true, false), (["--robustness", "false", "--cpu-only", "true"], false, true),
                                          (["--robustness", "--cpu-only"], true, true), (["--cpu-only=yes", "--robustness=no"], false, true)] {
            let result = try Zoo.run(
                arguments: ["advise", "--output", folder.file("plan.json"), "--task", "image-classification", "--classes", "10", "--examples", "1000",
                            "--budget", "cpu:2h"] + values, environment: environment)
            try #require(result.status == 0, "\(values): \(result.stderr)")
            let plan = try plan()
            #expect(plan.profile.robustness == robust && plan.profile.deployment.cpuOnly == cpuOnly, "\(values)")
        }
    }

    @Test("LogME of the real checkpoints on a sample equals zoo score's and is shown for them",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos && RealAssets.haveEfficientNetLite0AndPhotos,
                   "needs the MobileNetV2 and EfficientNet-Lite0 checkpoints and assets/images (make assets)"))
    func logMEOnTheRealCheckpoints() throws {
        for (label, photo) in ["china", "flower"].enumerated() {
            try FileManager.default.createDirectory(atPath: folder.file("data/\(photo)"), withIntermediateDirectories: true)
            for copy in 0..<3 { try FileManager.default.copyItem(atPath: RealAssets.photos + "/\(photo).jpg", toPath: folder.file("data/\(photo)/\(copy + label).jpg")) }
        }
        let weights = ["--weights", "mobilenet_v2=" + RealAssets.mobileNetV2, "--weights", RealAssets.efficientNetLite0]
        let result = try Zoo.run(arguments: ["advise", "--output", folder.file("plan.json"), "--task", "image-classification", "--classes", "2",
                                             "--examples", "6", "--budget", "cpu:1h", "--sample", folder.file("data"), "--resamples", "0", "--json"] + weights,
                                 environment: environment)
        try #require(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let candidates = Dictionary(uniqueKeysWithValues: (report["candidates"] as! [[String: Any]]).map { ($0["name"] as! String, $0) })
        let score = try Zoo.run(arguments: ["score", "--data", folder.file("data"), "--resamples", "0", "--json"] + weights.map { $0 == "--weights" ? "--model" : $0 })
        try #require(score.status == 0, "\(score.stderr)")
        let ranking = (try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as! [String: Any])["ranking"] as! [[String: Any]]
        for model in ["mobilenet_v2", "tf_efficientnet_lite0"] {
            let expected = try #require(ranking.first { ($0["name"] as! String).hasPrefix(model + " ") }?["score"] as? [String: Any])["score"] as! Double
            let logme = try #require(candidates[model]?["logme"] as? [String: Any])
            #expect(abs(logme["score"] as! Double - expected) < 1e-9, "\(model)")
        }
        #expect(candidates["resnet50"]?["logme"] == nil, "only the given checkpoints are scored")
        #expect(try plan().reasons[0].evidence.contains(Evidence.logME) || !["mobilenet_v2", "tf_efficientnet_lite0"].contains(try plan().model.name))
    }
}
