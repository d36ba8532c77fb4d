import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// `zoo convert`'s outputs as a user meets them (issue 17): the source is never replaced, a link,
/// device or FIFO is not replaced without `--replace-special-output`, files follow the umask, and
/// a killed `--shard-size` conversion leaves no index without its complete set of shards.
@Suite struct ConvertOutputCommandTests {
    let scratch = try! TemporaryFolder()
    let fixture = Fixtures.path("safetensors", "all_dtypes.safetensors")

    /// Files created under umask 077 are private, shards and index included.
    @Test func newOutputsFollowTheUmask() throws {
        let output = scratch.file("m.safetensors")
        let result = try Zoo.run(
            arguments: ["-c", "umask 077 && exec \"$0\" \"$@\"", Zoo.executable.path, "convert", fixture, output, "--shard-size", "0.2KB", "--json"],
            program: URL(fileURLWithPath: "/bin/sh"))
        #expect(result.status == 0, "\(result.stderr)")
        let files = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any])["files"] as! [String]
        #expect(files.count > 2)
        for file in files {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
    }

    /// Folders `convert` creates for OUT (issue 16) follow the umask as its files do (issue 17).
    @Test(arguments: [(0o077, 0o700), (0o002, 0o775)] as [(Int, Int)])
    func createdFoldersFollowTheUmask(_ umask: Int, _ folderMode: Int) throws {
        let output = scratch.file("new/deeper/m.safetensors")
        let result = try Zoo.run(
            arguments: ["-c", "umask \(String(umask, radix: 8)) && exec \"$0\" \"$@\"", Zoo.executable.path, "convert", fixture, output, "--shard-size", "0.2KB"],
            program: URL(fileURLWithPath: "/bin/sh"))
        #expect(result.status == 0, "\(result.stderr)")
        for (path, want) in [(scratch.file("new"), folderMode), (scratch.file("new/deeper"), folderMode), (output + ".index.json", 0o666 & ~umask)] {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == want, "\(path)")
        }
    }

    @Test func aSymbolicLinkOutputIsRefusedUnlessReplacingItIsAsked() throws {
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: scratch.file("target")))
        try FileManager.default.createSymbolicLink(atPath: scratch.file("out.safetensors"), withDestinationPath: scratch.file("target"))
        let refused = try Zoo.run("convert", fixture, scratch.file("out.safetensors"))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(scratch.file("out.safetensors")) && refused.stderr.contains("a symbolic link"), "\(refused.stderr)")
        #expect(try scratch.contents() == ["out.safetensors", "target"])
        let replaced = try Zoo.run("convert", fixture, scratch.file("out.safetensors"), "--replace-special-output")
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: scratch.file("out.safetensors"))[.type] as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOfFile: scratch.file("target"), encoding: .utf8) == "keep me")
    }

    /// A sharded checkpoint converted onto itself through `./`, and `convert --to` onto a hard
    /// link of its source: exit 1, nothing changed.
    @Test func theSourceIsNeverReplacedUnderAnotherName() throws {
        #expect(try Zoo.run("convert", fixture, scratch.file("m.safetensors"), "--shard-size", "0.2KB").status == 0)
        let before = try scratch.contents().map { try Data(contentsOf: URL(fileURLWithPath: scratch.file($0))) }
        for extra in [[], ["--dtype", "f16"]] {
            let again = try Zoo.run(arguments: ["convert", scratch.file("m.safetensors.index.json"), scratch.path + "/./m.safetensors", "--shard-size", "0.2KB"] + extra)
            #expect(again.status == 1 && again.stderr.contains("is the source"), "\(again.stderr)")
        }
        #expect(try scratch.contents().map { try Data(contentsOf: URL(fileURLWithPath: scratch.file($0))) } == before)

        guard RealAssets.exists(RealAssets.mobileNetV2) else {
            print("skipped convert --to: the real MobileNetV2 is absent (make assets fetches it)")
            return
        }
        try FileManager.default.copyItem(atPath: RealAssets.mobileNetV2, toPath: scratch.file("mnv2.pth"))
        try FileManager.default.linkItem(atPath: scratch.file("mnv2.pth"), toPath: scratch.file("alias.pth"))
        let mapped = try Zoo.run("convert", scratch.file("mnv2.pth"), scratch.file("alias.pth"), "--to", "torchvision", "--skip-output-check")
        #expect(mapped.status == 1 && mapped.stderr.contains("alias.pth"), "\(mapped.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("alias.pth"))) == Data(contentsOf: URL(fileURLWithPath: RealAssets.mobileNetV2)))
    }

    /// SIGKILL (and SIGTERM, SIGINT) at several moments of a 256 MB `--shard-size` conversion:
    /// afterwards either no index is visible or the index and every shard it names form the complete
    /// checkpoint; after SIGTERM or SIGINT the hidden staging folder is gone too.
    @Test func aKilledShardedConversionNeverLeavesAnIndexWithoutItsShards() throws {
        let source = scratch.file("big.safetensors")
        let tensors = (0..<32).map { TensorInfo(name: "t\($0)", dtype: .f32, shape: [2048, 1024]) }  // 8 MiB each
        let writer = try SafetensorsWriter(path: source, tensors: tensors)
        for (index, info) in tensors.enumerated() {
            try writer.append(Tensor([Float](repeating: Float(index), count: 2048 * 1024), dtype: .f32, shape: info.shape))
        }
        _ = try writer.commit()
        for (delay, signal) in [(0.05, SIGKILL), (0.2, SIGKILL), (0.2, SIGTERM), (0.4, SIGKILL), (0.5, SIGINT), (0.7, SIGKILL), (1.5, SIGKILL)] {
            let folder = scratch.file("out-\(signal)-\(delay)")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            // SIGTERM and SIGINT write into a folder the conversion creates (issue 16's OutputFolders):
            // interrupted, it must go with the staging folder inside it.
            let output = signal == SIGKILL ? folder : folder + "/new"
            _ = try Zoo.interrupted(["convert", source, output + "/m.safetensors", "--shard-size", "40MiB"], after: delay, by: signal)
            if signal != SIGKILL {
                let debris = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0 != "new" }
                    + ((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).filter { $0.hasPrefix(".") }
                #expect(debris.isEmpty, "signal \(signal) after \(delay) s left \(debris)")
            }
            let index = output + "/m.safetensors.index.json"
            guard FileManager.default.fileExists(atPath: index) else { continue }
            let reader = try Checkpoint.open(index)
            #expect(reader.tensors == tensors, "signal \(signal) after \(delay) s")
            #expect(try reader.tensor(named: "t31").scalars(as: Float.self).first == 31)
        }
    }
}
