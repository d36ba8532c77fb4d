import Foundation
import TestSupport
import Testing

/// Runs the built `zoo` executable as a user would and checks its output and exit codes.
struct Zoo {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `zoo` binary built beside the test bundle.
    static let executable: URL = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("zoo").path) && folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("zoo")
    }()

    static func run(_ arguments: String...) throws -> Result { try run(arguments: arguments) }

    /// Starts zoo with `arguments`, `environment` added to this process's; its standard error goes
    /// to a pipe with `keepingErrors`, else nowhere.
    static func start(_ arguments: [String], environment: [String: String] = [:], keepingErrors: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = keepingErrors ? Pipe() : FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts zoo with `arguments`, sends it `signal` after `delay` seconds, and waits for it to end.
    static func interrupted(_ arguments: [String], after delay: Double, by signal: Int32) throws -> Process {
        let process = try start(arguments)
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process
    }

    /// Runs zoo with `arguments`, `environment` added to this process's (or alone, without
    /// `inheritingEnvironment`), and `input` on standard input; `program` and `directory` run another
    /// executable (`/usr/bin/env` to find zoo on PATH) or from another folder.
    static func run(
        arguments: [String], environment: [String: String] = [:], inheritingEnvironment: Bool = true, input: String? = nil,
        program: URL = executable, directory: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.environment = inheritingEnvironment ? ProcessInfo.processInfo.environment.merging(environment) { $1 } : environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite struct ZooCLITests {
    let fixture = Fixtures.path("safetensors", "all_dtypes.safetensors")

    @Test(arguments: [["--help"], ["inspect", "--help"], ["convert", "--help"], ["help", "convert"], ["run", "--help"], ["identify", "--help"], ["verify", "--help"], ["advise", "--help"], ["score", "--help"], ["calibrate", "--help"], ["finetune", "--help"], ["evaluate", "--help"], ["export", "--help"]])
    func everyCommandHasHelp(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = Zoo.executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("USAGE:"))
        #expect(text.contains("Exit codes"))
    }

    @Test func versionNamesTheCommitAndTheLibrariesInUse() throws {
        let result = try Zoo.run("--version")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.wholeMatch(of: /zoo \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)/) != nil, "\(lines)")
        for (library, version) in [("libhdf5", /\d+\.\d+\.\d+/), ("OpenBLAS", /\d+\.\d+\.\d+/), ("libjpeg-turbo", /\d+\.\d+\.\d+/), ("libpng", /\d+\.\d+\.\d+/), ("zlib", /\d+\.\d+/)] {
            let line = lines.first { $0.hasPrefix(library + " ") }
            #expect(line?.contains(version) == true, "\(library): \(line ?? "missing")")
        }
    }

    /// zoo re-executes itself with OpenBLAS's idle-spin timeout shortened (`BLASThreadTimeout`),
    /// unless the user chose one; `--version` shows the one OpenBLAS loaded with.
    @Test func openBLASLoadsWithAShortThreadTimeoutUnlessOneIsGiven() throws {
        let chosen = try Zoo.run(arguments: ["--version"], environment: ["PATH": "/usr/bin:/bin"], inheritingEnvironment: false)
        #expect(chosen.stdout.split(separator: "\n").contains { $0.hasPrefix("OpenBLAS ") && $0.hasSuffix("thread timeout 2^8 cycles") }, "\(chosen.stdout)")
        let given = try Zoo.run(arguments: ["--version"], environment: ["PATH": "/usr/bin:/bin", "OPENBLAS_THREAD_TIMEOUT": "20"], inheritingEnvironment: false)
        #expect(given.stdout.contains("thread timeout 2^20 cycles"), "\(given.stdout)")
    }

    @Test func inspectPrintsATableWithTotals() throws {
        let result = try Zoo.run("inspect", fixture)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines[0].contains("all_dtypes.safetensors"))
        #expect(lines.contains { $0.hasPrefix("t_f32 ") && $0.contains("F32") })
        #expect(lines[lines.count - 2].hasPrefix("total: 18 tensors"))
        #expect(lines.last!.hasPrefix("trainable: "))
    }

    @Test func inspectJSONFiltersAndSorts() throws {
        let result = try Zoo.run("inspect", fixture, "--filter", "t_f*", "--sort", "size", "--json", "--checksum")
        #expect(result.status == 0)
        let reports = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        let tensors = reports[0]["tensors"] as! [[String: Any]]
        #expect(tensors.allSatisfy { ($0["name"] as! String).hasPrefix("t_f") })
        let sizes = tensors.map { $0["bytes"] as! Int }
        #expect(sizes == sizes.sorted(by: >))
        #expect(tensors.allSatisfy { ($0["crc32"] as! String).count == 8 })
        #expect((reports[0]["totals"] as! [String: Int])["tensors"] == tensors.count)
    }

    @Test func convertRoundTripsThroughNpzBitExactly() throws {
        let folder = try TemporaryFolder()
        let source = Fixtures.path("safetensors", "no_metadata.safetensors")
        #expect(try Zoo.run("convert", source, folder.file("a.npz"), "--compress").status == 0)
        #expect(try Zoo.run("convert", folder.file("a.npz"), folder.file("b.safetensors")).status == 0)
        func rows(_ path: String) throws -> [String] {
            try Zoo.run("inspect", path, "--checksum", "--sort", "name").stdout.split(separator: "\n").dropFirst().filter { !$0.hasPrefix("metadata") }.map(String.init)
        }
        #expect(try rows(source) == rows(folder.file("b.safetensors")))
        #expect(try folder.contents() == ["a.npz", "b.safetensors"])
    }

    @Test func convertWritesShardsWithAnIndex() throws {
        let folder = try TemporaryFolder()
        let result = try Zoo.run("convert", fixture, folder.file("m.safetensors"), "--shard-size", "0.2KB", "--json")
        #expect(result.status == 0)
        let files = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any])["files"] as! [String]
        #expect(files.last == folder.file("m.safetensors.index.json"))
        #expect(files.count > 2)
        let whole = try Zoo.run("inspect", fixture, "--checksum", "--sort", "name").stdout.split(separator: "\n").dropFirst(2)
        let sharded = try Zoo.run("inspect", folder.path, "--checksum", "--sort", "name").stdout
        #expect(sharded.split(separator: "\n").dropFirst(2) == whole)
        #expect(try Zoo.run("convert", fixture, folder.file("x.npz"), "--shard-size", "1GB").status == 1)
    }

    @Test func convertCastsFloatsAndReportsJSON() throws {
        let folder = try TemporaryFolder()
        let result = try Zoo.run("convert", fixture, folder.file("half.safetensors"), "--dtype", "f16", "--json")
        #expect(result.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let source = try JSONSerialization.jsonObject(with: Data(try Zoo.run("inspect", fixture, "--json").stdout.utf8)) as! [[String: Any]]
        let floats = (source[0]["tensors"] as! [[String: Any]]).filter { ["F64", "F32", "BF16"].contains($0["dtype"] as! String) }
        #expect(report["cast_tensors"] as? Int == floats.count)  // F16 stays F16; integers, bools and F8 are untouched
        let inspected = try Zoo.run("inspect", folder.file("half.safetensors"), "--json").stdout
        #expect(!inspected.contains("\"F32\"") && inspected.contains("\"I64\""))
    }

    @Test func exitCodesMeanWhatTheREADMESays() throws {
        let folder = try TemporaryFolder()
        #expect(try Zoo.run("inspect").status == 1)
        #expect(try Zoo.run("frobnicate").status == 1)
        #expect(try Zoo.run("convert", fixture, folder.file("x.unknown")).status == 1)
        #expect(try Zoo.run("convert", fixture, fixture).status == 1)
        let missing = try Zoo.run("inspect", folder.file("absent.safetensors"))
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("absent.safetensors"))
        let malformed = try Zoo.run("inspect", Fixtures.path("safetensors", "malformed/size_shape.safetensors"))
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("tensor 'a'"))
        // A format that cannot hold the data: bf16 into NumPy. Nothing may be left behind.
        let unsupported = try Zoo.run("convert", fixture, folder.file("out.npz"))
        #expect(unsupported.status == 4)
        #expect(unsupported.stderr.contains("BF16"))
        #expect(try folder.contents() == [])
        // An output that cannot be written is exit 3, and names the path.
        try Data().write(to: URL(fileURLWithPath: folder.file("file")))
        let unwritable = try Zoo.run("convert", fixture, folder.file("file/out.safetensors"))
        #expect(unwritable.status == 3)
        #expect(unwritable.stderr.contains("file/out.safetensors"))
    }

    @Test func aMaliciousPickleIsRefusedWithExitCode5() throws {
        let result = try Zoo.run("inspect", Fixtures.path("pytorch", "malicious/zip_tensor_storage.pth"))
        #expect(result.status == 5)
        #expect(result.stderr.contains("refused to load global") && result.stderr.contains("at byte"))
        let good = try Zoo.run("inspect", Fixtures.path("pytorch", "nested.pth"))
        #expect(good.status == 0 && good.stderr.contains("tensors found under 'model'"))
    }

    /// A file that crashes libhdf5 kills zoo's probe process, not zoo: exit code 2 and a reason.
    @Test func anHDF5FileThatCrashesLibhdf5IsRefusedWithExitCode2() throws {
        let result = try Zoo.run("inspect", Fixtures.path("hdf5", "malformed/libhdf5_crash.h5"))
        #expect(result.status == 2)
        #expect(result.stderr.contains("libhdf5 crashed") && result.stderr.contains("libhdf5_crash.h5"))
    }

    /// A Keras file's JSON names each tensor's layer and weight as Keras does.
    @Test func inspectJSONGivesKerasLayersAndWeights() throws {
        let result = try Zoo.run("inspect", Fixtures.path("hdf5", "keras_legacy_tf2_style.h5"), "--json")
        let tensors = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]])[0]["tensors"] as! [[String: Any]]
        let nested = try #require(tensors.first { $0["name"] as? String == "block/block_dense/kernel:0" })
        #expect(nested["keras_layer"] as? String == "block" && nested["keras_weight"] as? String == "block_dense/kernel:0")
    }

    /// Roles reach the table and JSON; --weights-only drops optimizer state and step counters.
    @Test func tensorFlowRolesAreShownAndWeightsOnlyDropsTheRest() throws {
        let checkpoint = Fixtures.path("tensorflow", "tf1_adam")
        let table = try Zoo.run("inspect", checkpoint)
        #expect(table.status == 0 && table.stdout.contains("ROLE") && table.stdout.contains("optimizer: 6 tensors"))
        let json = try JSONSerialization.jsonObject(with: Data(try Zoo.run("inspect", checkpoint, "--json").stdout.utf8)) as! [[String: Any]]
        let roles = (json[0]["tensors"] as! [[String: Any]]).map { $0["role"] as! String }
        #expect(roles.filter { $0 == "weight" }.count == 2 && roles.contains("bookkeeping"))
        let folder = try TemporaryFolder()
        let converted = try Zoo.run("convert", checkpoint, folder.file("w.safetensors"), "--weights-only", "--json")
        let report = try JSONSerialization.jsonObject(with: Data(converted.stdout.utf8)) as! [String: Any]
        #expect(converted.status == 0 && report["tensors"] as? Int == 2 && report["dropped_tensors"] as? Int == 7)
    }

    @Test func modelsListFiltersSortsAndPrintsJSON() throws {
        let result = try Zoo.run("models", "list", "--task", "image", "--max-params", "6M", "--sort", "flops", "--json")
        #expect(result.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        #expect(!rows.isEmpty && rows.allSatisfy { $0["task"] as? String == "image" && ($0["parameters"] as! Int) <= 6_000_000 })
        let flops = rows.map { $0["gmacs"] as! Double }
        #expect(flops == flops.sorted())
        #expect(rows.contains { $0["name"] as? String == "mobilenet_v2" && $0["parameters"] as? Int == 3_504_872 })
        #expect(try Zoo.run("models", "list", "--family", "nonsense").status == 1)
    }

    @Test func modelsShowGivesACostRowPerFreezeDepth() throws {
        let result = try Zoo.run("models", "show", "resnet18", "--batch", "8", "--json")
        #expect(result.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let groups = (report["groups"] as! [[String: Any]]).map { $0["group"] as! String }
        #expect(groups == ["stem", "stage1", "stage2", "stage3", "stage4", "head"])
        let depths = report["freeze_depths"] as! [[String: Any]]
        #expect(depths.count == groups.count)
        #expect(depths.first!["trainable_parameters"] as? Int == 11_689_512)
        #expect(depths.last!["trainable_parameters"] as? Int == 512 * 1000 + 1000)
        let table = try Zoo.run("models", "show", "bert_base_uncased", "--seq", "64", "--classes", "2")
        #expect(table.status == 0 && table.stdout.contains("layer11") && table.stdout.contains("64 tokens"))
        let unknown = try Zoo.run("models", "show", "resnet5")
        #expect(unknown.status == 1 && unknown.stderr.contains("resnet50"))
    }

    @Test func modelsShowTheirCardsAndSortByPublishedAccuracy() throws {
        let shown = try Zoo.run("models", "show", "mobilenet_v2")
        #expect(shown.status == 0 && shown.stdout.contains("mobilenet_v2-b0353104.pth") && shown.stdout.contains("arxiv.org/abs/1801.04381"))
        let result = try Zoo.run("models", "list", "--family", "resnet", "--sort", "accuracy", "--json")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
        let accuracies = rows.map { $0["accuracy"] as! Double }
        #expect(accuracies.count == 5 && accuracies == accuracies.sorted(by: >))
    }

    @Test func modelsPlotWritesAnSVGAtomically() throws {
        let folder = try TemporaryFolder()
        let result = try Zoo.run("models", "plot", "--task", "image", "-o", folder.file("m.svg"))
        #expect(result.status == 0 && result.stdout.contains("Pareto front"))
        let svg = try String(contentsOfFile: folder.file("m.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("resnet50") && svg.contains("polyline"))
        #expect(try folder.contents() == ["m.svg"])
        #expect(try Zoo.run("models", "plot", "-o", folder.file("m.png")).status == 1)
    }

    @Test func modelsSearchMatchesNamesAndFamilies() throws {
        let result = try Zoo.run("models", "search", "RoBERTa")
        #expect(result.status == 0 && result.stdout.contains("roberta_base") && result.stdout.contains("roberta_large"))
        #expect(!result.stdout.contains("bert_base"))
    }
}
