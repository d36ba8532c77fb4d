import CheckpointFormats
import Export
import Foundation
import Plans
import Tensors
import TestSupport
import Testing
import Training

/// `zoo export --to torchrun` (issue 20) as `make test` checks it, without PyTorch: the project's files;
/// freeze groups that cover the checkpoint's trained tensors; zoo's initial weights and fresh heads;
/// zoo's epoch orders; data.py reading back every example of zoo's split from the IDX files and a CSV;
/// zoo_rules.py's schedules against zoo's; the refusals. (`make interop` runs the project in PyTorch.)
@Suite(.serialized) struct ExportCommandTests {
    static let plan = Fixtures.path("training/finetune", "mobilenet_v2-lpft-cached.plan.json")
    static let textPlan = Fixtures.path("training/torchrun", "minilm-equivalence.plan.json")
    static let images = RealAssets.exists(RealAssets.mobileNetV2) && RealAssets.exists(RealAssets.fashionMNIST)
    static let text = RealAssets.exists(RealAssets.miniLM + "/model.safetensors")
    /// Debian's python3 with python3-numpy (make deps installs it); never PyTorch.
    static let python = "/usr/bin/python3"

    static func export(_ output: String, plan: String = plan, data: String = RealAssets.fashionMNIST, weights: String = RealAssets.mobileNetV2,
                       _ extra: [String] = []) throws -> Zoo.Result {
        try Zoo.run(arguments: ["export", "--plan", plan, "--to", "torchrun", "--data", data, "--weights", weights, "--output", output] + extra)
    }

    static func object(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// Runs `code` with Debian's python3 in `folder` (data.py and zoo_rules.py importable); its stdout.
    static func python(_ code: String, in folder: String) throws -> Zoo.Result {
        try Zoo.run(arguments: ["-c", "import sys; sys.path.insert(0, '\(folder)')\n" + code], program: URL(fileURLWithPath: python), directory: folder)
    }

    @Test("the project: its files, executable scripts, freeze groups covering the checkpoint, zoo's initial weights, fresh heads and epoch orders",
          .enabled(if: images, "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func writesTheProject() throws {
        let folder = try TemporaryFolder(), output = folder.file("project")
        // Two seeds: each gets its own fresh head.
        var plan = try Self.object(Self.plan)
        plan["seeds"] = [0, 7]
        let planPath = folder.file("plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: planPath))
        let result = try Self.export(output, plan: planPath, ["--limit", "64", "--evaluation-limit", "32", "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        let files = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])["files"] as? [String]
        #expect(files == ["README.md", "data.py", "initial/config.json", "initial/heads.safetensors", "initial/model.safetensors", "launch.sh",
                          "order.npz", "plan.json", "project.json", "requirements.txt", "splits.json", "train.py", "zoo_rules.py"])
        for script in ["launch.sh", "train.py"] { #expect(FileManager.default.isExecutableFile(atPath: output + "/" + script), "\(script)") }
        #expect(try String(contentsOfFile: output + "/requirements.txt", encoding: .utf8).contains("torchvision"))

        // The groups name every trained tensor of the initial checkpoint once, in the plan's order.
        let project = try Self.object(output + "/project.json")
        let groups = try #require(project["groups"] as? [[String: Any]])
        let planned = (plan["freeze"] as! [String: [String]])
        #expect(groups.map { $0["name"] as! String } == planned["frozen"]! + planned["trainable"]!)
        let initial = try Checkpoint.open(output + "/initial/model.safetensors")
        let trained = initial.tensors.map(\.name).filter { !$0.hasSuffix("running_mean") && !$0.hasSuffix("running_var") && !$0.hasSuffix("num_batches_tracked") }
        #expect(groups.flatMap { $0["parameters"] as! [String] }.sorted() == trained.sorted())
        #expect((project["model"] as! [String: Any])["library"] as? String == "torchvision")

        // The backbone is the checkpoint's; the head of seed 0 is in the model, each seed's in heads.safetensors.
        let source = try Checkpoint.open(RealAssets.mobileNetV2)
        for name in ["features.0.0.weight", "features.18.1.running_var"] {
            #expect(try initial.tensor(named: name).byteArray == source.tensor(named: name).byteArray, "\(name)")
        }
        let heads = try Checkpoint.open(output + "/initial/heads.safetensors")
        #expect(heads.tensors.map(\.name).sorted() == ["0/classifier.1.bias", "0/classifier.1.weight", "7/classifier.1.bias", "7/classifier.1.weight"])
        #expect(try heads.tensor(named: "0/classifier.1.weight").byteArray == initial.tensor(named: "classifier.1.weight").byteArray)
        let other = try heads.tensor(named: "7/classifier.1.weight").scalars(as: Float.self)
        #expect(other != (try initial.tensor(named: "classifier.1.weight").scalars(as: Float.self)))
        // torchvision's init for MobileNetV2's classifier: normal, standard deviation 0.01.
        let deviation = (other.map { Double($0 * $0) }.reduce(0, +) / Double(other.count)).squareRoot()
        #expect(abs(deviation - 0.01) < 0.001, "\(deviation)")

        // zoo's epoch orders, per phase and seed.
        let splits = try Self.object(output + "/splits.json")
        let count = (splits["train"] as! [Any]).count
        // --limit 64 and --evaluation-limit 32 drawn stratified: 6 and 3 of each of the 10 classes.
        #expect(count == 60 && (splits["validation"] as! [Any]).count == 30 && (splits["test"] as! [Any]).count == 30)
        let orders = try NpzReader(path: output + "/order.npz")
        for seed: UInt64 in [0, 7] {
            for (phase, sampler) in [("linear_probe", EpochSampler(count: count, batchSize: 32, seed: seed ^ 0x4C50)), ("fine_tune", EpochSampler(count: count, batchSize: 32, seed: seed))] {
                let array = try orders.tensor(named: "\(phase)/\(seed)")
                let rows = array.shape.dims[0]
                let values = array.scalars(as: Int64.self).map(Int.init)
                #expect(values == (0..<rows).flatMap { sampler.order(epoch: $0) }, "\(phase)/\(seed)")
            }
        }

        // data.py, without torch: every example of every split, its image from the IDX file at the origin's index, its target that index's label.
        let read = try Self.python("""
            from data import ProjectData, idx_array
            d = ProjectData('.')
            checked, files = 0, {}
            read = lambda name: files.setdefault(name, idx_array(d.origins.path(name)))
            for split in d.split_names():
                for (image, target), entry in zip(d.examples(split), d.splits[split]):
                    name, index = entry['origin'][:-1].rsplit('[', 1)
                    labels, images = read(name.replace('images-idx3', 'labels-idx1')), read(name)
                    assert image.shape == (28, 28) and (image == images[int(index)]).all() and labels[int(index)] == target, entry
                    checked += 1
            print(checked)
            """, in: output)
        #expect(read.status == 0 && read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "120", "\(read.stderr)")
        // The scripts parse (compiled, not run: train.py needs torch).
        let compiled = try Zoo.run(arguments: ["-m", "py_compile", "train.py", "data.py", "zoo_rules.py"], program: URL(fileURLWithPath: Self.python), directory: output)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let launcher = try Zoo.run(arguments: ["-n", "launch.sh"], program: URL(fileURLWithPath: "/bin/sh"), directory: output)
        #expect(launcher.status == 0, "\(launcher.stderr)")
    }

    @Test("zoo_rules.py's learning-rate factors are zoo's, for every schedule kind")
    func pythonSchedulesAreZoos() throws {
        let folder = try TemporaryFolder()
        try AtomicFile.write(Array(try #require(TorchrunProject.scripts["zoo_rules.py"]).utf8), to: folder.file("zoo_rules.py"))
        for kind in FineTunePlan.Schedule.Kind.allCases {
            let schedule = kind.schedule(warmupSteps: 3, steps: 20, milestones: [10, 15])
            let result = try Self.python("""
                from zoo_rules import schedule
                f = schedule('\(kind.rawValue)', 3, 20, [10, 15])
                print(' '.join(repr(f(t)) for t in range(22)))
                """, in: folder.path)
            let factors = result.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let expected = (0..<22).map { schedule.factor(at: $0) }
            #expect(factors.count == 22 && zip(factors, expected).allSatisfy { abs($0 - $1) <= 1e-12 }, "\(kind): \(factors) against \(expected) \(result.stderr)")
        }
    }

    @Test("a text project: data.py reads back every text of a CSV with quoted commas, quotes and line breaks, by zoo's origin lines",
          .enabled(if: text, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func readsTextBack() throws {
        let folder = try TemporaryFolder()
        var rows = ["text,label"], texts: [String] = []
        for index in 0..<40 {
            let text = index % 3 == 0 ? "a review, with a comma \(index)" : index % 3 == 1 ? "said \"\"good\"\" \(index)" : "two\nlines \(index)"
            rows.append("\"\(text)\",\(index % 2 == 0 ? "fresh" : "rotten")")
            texts.append(text.replacingOccurrences(of: "\"\"", with: "\""))
        }
        try AtomicFile.write(Array((rows.joined(separator: "\n") + "\n").utf8), to: folder.file("reviews.csv"))
        let output = folder.file("project")
        let result = try Self.export(output, plan: Self.textPlan, data: folder.file("reviews.csv"), weights: RealAssets.miniLM + "/model.safetensors")
        try #require(result.status == 0, "\(result.stderr)")
        let read = try Self.python("""
            import json
            from data import ProjectData
            d = ProjectData('.')
            print(json.dumps(sorted(text for split in d.split_names() for (text, pair), _ in d.examples(split))))
            """, in: output)
        let got = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String], "\(read.stderr)")
        #expect(got == texts.sorted())
        #expect((try Self.object(output + "/project.json")["model"] as! [String: Any])["library"] as? String == "transformers")
    }

    @Test("refusals, nothing written: a non-empty output folder (1), a plan that fails validation (2), a model transformers cannot build as zoo trains it (4)",
          .enabled(if: images && text, "needs the real MobileNetV2 and all-MiniLM-L6-v2 (make assets) and Debian's dataset-fashion-mnist"))
    func refusals() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("taken"), withIntermediateDirectories: true)
        try AtomicFile.write([1], to: folder.file("taken/notes.txt"))
        let taken = try Self.export(folder.file("taken"), ["--limit", "64"])
        #expect(taken.status == 1 && taken.stderr.contains("exists and is not empty") && taken.stderr.contains("--force"), "\(taken.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("taken")) == ["notes.txt"])

        var plan = try Self.object(Self.plan)
        var optimizer = plan["optimizer"] as! [String: Any]
        optimizer["kind"] = "lion"
        plan["optimizer"] = optimizer
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: folder.file("bad.json")))
        let invalid = try Self.export(folder.file("invalid"), plan: folder.file("bad.json"), ["--limit", "64"])
        #expect(invalid.status == 2 && invalid.stderr.contains("optimizer"), "\(invalid.stderr)")
        #expect(!RealAssets.exists(folder.file("invalid")))

        // all-MiniLM-L6-v2's files, its config claiming another encoder type.
        let checkpoint = folder.file("encoder")
        try FileManager.default.copyItem(atPath: RealAssets.miniLM, toPath: checkpoint)
        var config = try Self.object(checkpoint + "/config.json")
        config["model_type"] = "distilbert"
        try FileManager.default.removeItem(atPath: checkpoint + "/config.json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: checkpoint + "/config.json"))
        try AtomicFile.write(Array("text,label\n\"good\",fresh\n\"bad\",rotten\n\"fine\",fresh\n\"poor\",rotten\n".utf8), to: folder.file("tiny.csv"))
        let unbuildable = try Self.export(folder.file("unbuildable"), plan: Self.textPlan, data: folder.file("tiny.csv"), weights: checkpoint + "/model.safetensors",
                                          ["--validation-fraction", "0.5"])
        #expect(unbuildable.status == 4 && unbuildable.stderr.contains("cannot build") && unbuildable.stderr.contains("distilbert"), "\(unbuildable.stderr)")
        #expect(!RealAssets.exists(folder.file("unbuildable")))
    }
}
