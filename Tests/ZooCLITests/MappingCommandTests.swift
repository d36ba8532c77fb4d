import Foundation
import TestSupport
import Testing

/// `zoo identify`, `zoo verify` and `zoo convert --to` as a user runs them: exit codes, JSON,
/// and what an interrupted conversion leaves behind.
@Suite struct MappingCommandTests {
    /// Each test's own folder, removed when the test ends.
    let scratch = try! TemporaryFolder()
    var folder: String { scratch.path }

    @Test func identifyVerifyConvertTheRealMobileNetV2() throws {
        guard RealAssets.haveMobileNetV2AndPhotos else {
            print("skipped: the real MobileNetV2 is absent (make assets fetches it)")
            return
        }
        let identify = try Zoo.run("identify", RealAssets.mobileNetV2, "--json")
        #expect(identify.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(identify.stdout.utf8)) as! [String: Any]
        let best = report["best"] as! [String: Any]
        #expect(best["model"] as? String == "mobilenet_v2" && best["convention"] as? String == "torchvision" && best["classes"] as? Int == 1000)

        let converted = folder + "/mobilenet_v2.safetensors"
        let convert = try Zoo.run("convert", RealAssets.mobileNetV2, converted, "--to", "torchvision")
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stdout.contains("same function"))
        let verify = try Zoo.run("verify", converted, "--check-outputs", "--against", RealAssets.mobileNetV2)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified"))
    }

    @Test("a target that computes another function exits 6 and writes nothing unless accepted; the warning leads with --to keras3 OUT.keras",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth (make assets)"))
    func aDifferentFunctionIsRefusedUnlessAccepted() throws {
        let output = folder + "/mnv2.h5"
        let refused = try Zoo.run("convert", RealAssets.mobileNetV2, output, "--to", "keras")
        #expect(refused.status == 6, "\(refused.stderr)")
        #expect(refused.stderr.contains("\(output): not written: to keep the source's function in Keras, write a whole model instead: --to keras3 OUT.keras"))
        #expect(refused.stderr.contains("SAME") && refused.stderr.contains("--allow-different-function"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)

        let accepted = try Zoo.run("convert", RealAssets.mobileNetV2, output, "--to", "keras", "--allow-different-function")
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.hasPrefix("zoo: warning: to keep the source's function in Keras, write a whole model instead: --to keras3 OUT.keras"))
        #expect(!accepted.stdout.contains("warning:") && accepted.stdout.contains("a different function (see the warning)"))
        let json = try Zoo.run("convert", RealAssets.mobileNetV2, folder + "/mnv2.weights.h5", "--to", "keras3", "--allow-different-function", "--json")
        #expect(json.status == 0 && json.stderr.contains("zoo: warning: to keep") && !json.stdout.contains("warning:"), "\(json.stderr)")

        let whole = try Zoo.run("convert", RealAssets.mobileNetV2, folder + "/mnv2.keras", "--to", "keras3")
        #expect(whole.status == 0 && !whole.stderr.contains("warning"), "\(whole.stderr)")
        #expect(try Zoo.run("convert", Fixtures.path("safetensors", "all_dtypes.safetensors"), folder + "/x.npz", "--allow-different-function").status == 1)
    }

    @Test("--to keras into a .weights.h5 writes Keras 3's layout, the file --to keras3 writes, which Keras's load_weights reads",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth (make assets)"))
    func kerasIntoAWeightsFileUsesKeras3Names() throws {
        var checksums: [[String]] = []
        for convention in ["keras", "keras3"] {
            let output = folder + "/\(convention).weights.h5"
            let convert = try Zoo.run("convert", RealAssets.mobileNetV2, output, "--to", convention, "--allow-different-function")
            try #require(convert.status == 0, "\(convert.stderr)")
            #expect(convert.stdout.contains("→ keras3"))
            let rows = try Zoo.run("inspect", output, "--checksum", "--sort", "name").stdout.split(separator: "\n").dropFirst().map(String.init)
            #expect(rows.contains { $0.hasPrefix("layers/conv2d/vars/0 ") }, "\(rows.prefix(4))")
            checksums.append(rows)
        }
        #expect(checksums[0] == checksums[1])
    }

    @Test func verifyFailsWithSixOnAWrongModel() throws {
        let file = Fixtures.path("safetensors", "all_dtypes.safetensors")
        let unidentified = try Zoo.run("verify", file)
        #expect(unidentified.status == 2, "\(unidentified.stderr)")
        #expect(unidentified.stderr.contains("cannot tell which model"))
        guard RealAssets.haveMobileNetV2AndPhotos else { return }
        let wrong = try Zoo.run("verify", RealAssets.mobileNetV2, "--model", "mobilenet_v3_small")
        #expect(wrong.status == 6, "\(wrong.stdout)\(wrong.stderr)")
        #expect(wrong.stdout.contains("missing") && wrong.stdout.contains("FAILED"))
        let usage = try Zoo.run("verify", RealAssets.mobileNetV2, "--against", RealAssets.mobileNetV2)
        #expect(usage.status == 1)
    }

    @Test func anInterruptedConversionLeavesNothingAtTheDestination() throws {
        guard RealAssets.exists(RealAssets.imgsimResNet50) else {
            print("skipped: the imgsim ResNet-50 is absent (make assets fetches it)")
            return
        }
        for (delay, signal) in [(0.05, SIGTERM), (0.15, SIGINT), (0.1, SIGKILL), (0.3, SIGTERM)] {
            let output = folder + "/interrupted-\(signal)-\(delay).weights.h5"
            let process = try Zoo.interrupted(
                ["convert", RealAssets.imgsimResNet50, output, "--to", "torchvision", "--format", "keras-weights"], after: delay, by: signal)
            let finished = process.terminationReason == .exit && process.terminationStatus == 0
            // Either the whole verified file is there, or nothing is.
            #expect(finished == FileManager.default.fileExists(atPath: output), "signal \(signal) after \(delay) s")
            if signal != SIGKILL {
                let debris = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
                #expect(debris.isEmpty, "left behind: \(debris)")
            }
        }
    }
}
