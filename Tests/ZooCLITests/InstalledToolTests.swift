import Advisor
import CheckpointFormats
import Foundation
import TestSupport
import Testing

/// zoo as installed: the two binaries copied into an empty folder that is the only one on PATH, run
/// from another folder, without ZOO_CARDS: the model cards and ImageNet's class names must come from
/// the binary itself.
@Suite struct InstalledToolTests {
    let bin: TemporaryFolder
    let elsewhere: TemporaryFolder
    let environment: [String: String]

    init() throws {
        bin = try TemporaryFolder()
        elsewhere = try TemporaryFolder()
        let built = Zoo.executable.deletingLastPathComponent()
        for name in ["zoo", "zoo-hdf5-probe"] { try Self.copyExecutable(built.appendingPathComponent(name).path, to: bin.file(name)) }
        // A fixed calibration, so that advise does not measure the CPU (see AdviseCommandTests).
        let calibration = Calibration(
            key: .current, throughput: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            backward: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
            probes: [], seconds: 0)
        try CalibrationCache.store(calibration, folder: elsewhere.path)
        environment = ["PATH": bin.path, "HOME": elsewhere.path, "ZOO_CACHE_DIR": elsewhere.path]
    }

    /// Copies a binary through `AtomicFile`, whose descriptor is close-on-exec: tests run in
    /// parallel and spawn processes, and one spawned while a plain copy is open for writing would
    /// keep that descriptor for its whole life, so that running the copy fails with ETXTBSY (exit 126).
    static func copyExecutable(_ source: String, to target: String) throws {
        try AtomicFile.write(Array(try Data(contentsOf: URL(fileURLWithPath: source))), to: target)
        guard chmod(target, 0o755) == 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: target]) }
    }

    /// `zoo ARGUMENTS` found through PATH, run in `elsewhere` with nothing but `environment`. A
    /// process forked elsewhere in the run holds the copy's descriptor until it execs (a moment):
    /// `env` then reports ETXTBSY, and the run is retried.
    func zoo(_ arguments: String...) throws -> Zoo.Result {
        var attempts = 0
        while true {
            let result = try Zoo.run(arguments: ["zoo"] + arguments, environment: environment, inheritingEnvironment: false,
                                     program: URL(fileURLWithPath: "/usr/bin/env"), directory: elsewhere.path)
            attempts += 1
            guard result.status == 126, result.stderr.contains("Text file busy"), attempts < 50 else { return result }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    @Test func modelsShowHasTheCard() throws {
        let result = try zoo("models", "show", "mobilenet_v2")
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("mobilenet_v2-b0353104.pth"))
        #expect(result.stdout.contains("71.878"), "the card's published acc@1")
    }

    @Test func adviseFindsItsCandidates() throws {
        let result = try zoo("advise", "--task", "image-classification", "--classes", "10", "--examples", "1000",
                             "--shift", "none", "--budget", "cpu:1h", "--json")
        try #require(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: elsewhere.file("plan.json")))
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect((report["candidates"] as? [Any])?.count ?? 0 >= 10)
    }

    @Test("zoo run prints ImageNet's labels", .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth and assets/images (make assets)"))
    func runNamesImageNetClasses() throws {
        let result = try zoo("run", "mobilenet_v2", "--weights", RealAssets.mobileNetV2, "--image", RealAssets.photos + "/china.jpg")
        try #require(result.status == 0, "\(result.stderr)")
        let reference = try Fixtures.json("engine", "mobilenet_v2_photos.json") as! [String: Any]
        let top = ((reference["images"] as! [String: Any])["china.jpg"] as! [String: Any])["top5"] as! [[String: Any]]
        #expect(result.stdout.contains(top[0]["label"] as! String))
    }
}
