import Foundation
import TestSupport
import Testing

/// `zoo finetune` and `zoo evaluate` as a user runs them, on the real MobileNetV2 and a small
/// Fashion-MNIST sample with both phases on cached features: killed with SIGKILL at random
/// moments and resumed, a run ends with the same weights and losses as one never stopped;
/// SIGINT checkpoints and exits 9; the exit codes of refusals.
@Suite(.serialized) struct FinetuneCommandTests {
    static let plan = Fixtures.path("training/finetune", "mobilenet_v2-lpft-cached.plan.json")
    static let available = RealAssets.exists(RealAssets.mobileNetV2) && RealAssets.exists(RealAssets.fashionMNIST)

    static func arguments(_ output: String) -> [String] {
        ["finetune", "--plan", plan, "--data", RealAssets.fashionMNIST, "--weights", RealAssets.mobileNetV2, "--limit", "320",
         "--evaluation-limit", "100", "--checkpoint-every", "2", "--output", output, "--quiet"]
    }

    static func losses(_ folder: String) throws -> [Double] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))) as? [String: Any])
        return (report["seeds"] as! [[String: Any]]).flatMap { ($0["losses"] as! [[String: Any]]).map { $0["loss"] as! Double } }
    }

    @Test("killed at random moments and resumed, a run ends bit-identical to one that never stopped; SIGINT checkpoints and exits 9",
          .enabled(if: available, "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func killedRunsResumeExactly() throws {
        let folder = try TemporaryFolder()
        let environment = ["ZOO_CACHE_DIR": folder.file("cache")]
        let whole = try Zoo.run(arguments: Self.arguments(folder.file("whole")), environment: environment)
        try #require(whole.status == 0, "\(whole.stderr)")
        let expected = try Data(contentsOf: URL(fileURLWithPath: folder.file("whole/model/model.safetensors")))
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<3 {
            let output = folder.file("killed\(attempt)")
            // Kill at least once, at a random moment once the run folder is there (before it, there is nothing to
            // resume: how long start-up takes depends on the machine's load); resume until the run completes.
            let process = try Zoo.start(Self.arguments(output), environment: environment)
            Self.wait(for: output + "/" + "run.json", while: process)
            Thread.sleep(forTimeInterval: Double.random(in: 0...4, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            var finished = process.terminationReason == .exit && process.terminationStatus == 0
            var resumes = 0
            while !finished {
                // Files are written unnamed until whole: nothing half-written is in sight (a folder
                // being staged is the one thing SIGKILL can leave, and the resume removes it).
                for file in try FileManager.default.contentsOfDirectory(atPath: output) {
                    #expect(!file.hasPrefix(".") || file.hasPrefix(".model.zoo-"), "a temporary file was left: \(file)")
                }
                let resumed = try Zoo.run(arguments: ["finetune", "--resume", output, "--quiet"], environment: environment)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                finished = resumed.status == 0
                resumes += 1
                if resumes > 2 { break }
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: output + "/model/model.safetensors")) == expected, "attempt \(attempt)")
            #expect(try Self.losses(output) == Self.losses(folder.file("whole")), "attempt \(attempt)")
            #expect(!RealAssets.exists(output + "/checkpoint.safetensors"))
            let left = FileManager.default.enumerator(atPath: output)!.compactMap { $0 as? String }.filter { $0.split(separator: "/").contains { $0.hasPrefix(".") } }
            #expect(left.isEmpty, "left behind: \(left)")
        }
        // SIGINT once the first checkpoint is written (so the run is surely under way): a new
        // checkpoint, exit 9 naming --resume, and the resumed run completes the same.
        let output = folder.file("interrupted")
        let process = try Zoo.start(Self.arguments(output), environment: environment, keepingErrors: true)
        Self.wait(for: output + "/checkpoint.safetensors", while: process)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 9, "exit \(process.terminationStatus): \(stderr)")
        #expect(stderr.contains("zoo finetune --resume \(output)"), "\(stderr)")
        let resumed = try Zoo.run(arguments: ["finetune", "--resume", output, "--quiet"], environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output + "/model/model.safetensors")) == expected)
    }

    /// Returns once `path` exists or `process` has ended.
    static func wait(for path: String, while process: Process) {
        while !RealAssets.exists(path) && process.isRunning { Thread.sleep(forTimeInterval: 0.02) }
    }

    @Test("--folds 3: every fold is held out once, each run validated on its fold; splits.json, metrics.csv, TensorBoard and the report name the folds",
          .enabled(if: available, "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func crossValidation() throws {
        let folder = try TemporaryFolder(), output = folder.file("cv")
        var arguments = Self.arguments(output)
        arguments.replaceSubrange(arguments.firstIndex(of: "320")!...arguments.firstIndex(of: "320")!, with: ["60"])
        let result = try Zoo.run(arguments: arguments + ["--folds", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let read = { (name: String) in try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/" + name))) as! [String: Any] }
        let splits = try read("splits.json"), report = try read("report.json")
        let folds = try #require(splits["folds"] as? [[Int]])
        #expect(folds.count == 3 && folds.joined().sorted() == Array(0..<60) && (splits["validation"] as! [Any]).isEmpty)
        let runs = report["seeds"] as! [[String: Any]]
        #expect(runs.map { $0["fold"] as! Int } == [0, 1, 2])
        #expect(runs.map { ($0["validation"] as! [String: Any])["examples"] as! Int } == folds.map(\.count))
        #expect((report["summary"] as! [String: Any])["values"] as! [Double] == runs.map { ($0["validation"] as! [String: Any])["accuracy"] as! Double })
        let boards = try FileManager.default.contentsOfDirectory(atPath: output + "/tensorboard").sorted()
        #expect(boards == ["fold-1-seed-0", "fold-2-seed-0", "fold-3-seed-0"])
        let csv = try String(contentsOfFile: output + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv[0].hasPrefix("fold,seed,") && Set(csv.dropFirst().map { $0.prefix(2) }) == ["1,", "2,", "3,"])
        #expect(try String(contentsOfFile: output + "/report.md", encoding: .utf8).contains("Over 3 folds × 1 seed: mean"))
        let tooMany = try Zoo.run(arguments: Self.arguments(folder.file("few")).map { $0 == "320" ? "4" : $0 } + ["--folds", "11"])
        #expect(tooMany.status == 2 && tooMany.stderr.contains("cannot fill 11 folds"), "\(tooMany.stderr)")
    }

    @Test("refusals: an existing run folder (1), data that does not fit the plan (2), a plan over its time or memory budget (8), a resume of a finished run (2)",
          .enabled(if: available, "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func refusals() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("exists"), withIntermediateDirectories: true)
        let exists = try Zoo.run(arguments: Self.arguments(folder.file("exists")))
        #expect(exists.status == 1 && exists.stderr.contains("already exists"), "\(exists.stderr)")

        // Three classes of images where the plan's head has ten.
        let images = folder.file("images")
        for name in ["a", "b", "c"] {
            try FileManager.default.createDirectory(atPath: images + "/" + name, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: RealAssets.photos + "/china.jpg", toPath: images + "/\(name)/1.jpg")
            try FileManager.default.copyItem(atPath: RealAssets.photos + "/china.jpg", toPath: images + "/\(name)/2.jpg")
        }
        var arguments = Self.arguments(folder.file("run"))
        arguments[arguments.firstIndex(of: RealAssets.fashionMNIST)!] = images
        let mismatch = try Zoo.run(arguments: arguments)
        #expect(mismatch.status == 2 && mismatch.stderr.contains("10 outputs") && mismatch.stderr.contains("3"), "\(mismatch.stderr)")

        // The same plan with a budget of one second.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.plan))) as? [String: Any])
        var budget = object["budget"] as! [String: Any]
        budget["wall_clock_seconds"] = 1
        object["budget"] = budget
        let tight = folder.file("tight.json")
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: tight))
        arguments = Self.arguments(folder.file("over"))
        arguments[arguments.firstIndex(of: Self.plan)!] = tight
        let over = try Zoo.run(arguments: arguments)
        #expect(over.status == 8 && over.stderr.contains("--force"), "\(over.stderr)")
        #expect(!RealAssets.exists(folder.file("over")), "nothing was written")

        // A memory budget the estimates fit (their low end is made small) but the compiled training plan does not.
        budget["wall_clock_seconds"] = 100_000
        budget["memory_bytes"] = 40 << 20
        object["budget"] = budget
        var estimates = object["estimates"] as! [String: Any], memory = estimates["peak_memory_bytes"] as! [String: Any]
        (memory["low"], memory["expected"], memory["high"]) = (1 << 20, 2 << 20, 3 << 20)
        estimates["peak_memory_bytes"] = memory
        object["estimates"] = estimates
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: tight))
        let heavy = try Zoo.run(arguments: arguments)
        #expect(heavy.status == 8 && heavy.stderr.contains("the compiled training plan needs") && heavy.stderr.contains("activations"), "\(heavy.stderr)")
        #expect(!RealAssets.exists(folder.file("over")), "nothing was written")

        let missing = try Zoo.run("finetune", "--resume", folder.file("exists"))
        #expect(missing.status == 2 && missing.stderr.contains("run.json"), "\(missing.stderr)")
    }
}
