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
            let process = Process()
            process.executableURL = Zoo.executable
            process.arguments = ["convert", RealAssets.imgsimResNet50, output, "--to", "torchvision", "--format", "keras-weights"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
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
