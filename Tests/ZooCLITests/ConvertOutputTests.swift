import Foundation
import TestSupport
import Testing

/// Where `zoo convert` writes and what it says it wrote: missing folders in OUT's path are created
/// (and gone again when the conversion fails), and `bytesWritten` is the size on disk.
@Suite struct ConvertOutputTests {
    static func report(_ result: Zoo.Result) throws -> [String: Any] {
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber).intValue
    }

    @Test("the README's `convert model.safetensors out/model.safetensors --shard-size` creates out/; a failure leaves no folder")
    func missingFoldersAreCreatedAndRemovedOnFailure() throws {
        let folder = try TemporaryFolder()
        let source = Fixtures.path("safetensors", "all_dtypes.safetensors")
        let sharded = try Self.report(Zoo.run("convert", source, folder.file("out/model.safetensors"), "--shard-size", "0.2KB", "--json"))
        #expect((sharded["files"] as! [String]).last == folder.file("out/model.safetensors.index.json"))
        #expect(try Self.report(Zoo.run("convert", source, folder.file("a/b/c.safetensors"), "--json"))["files"] as? [String] == [folder.file("a/b/c.safetensors")])
        // BF16 cannot go into NumPy (exit 4): neither the file nor the folders made for it remain.
        let failed = try Zoo.run("convert", source, folder.file("x/y/out.npz"))
        #expect(failed.status == 4)
        #expect(!FileManager.default.fileExists(atPath: folder.file("x")))
        // A folder that cannot be made (a file is in the way) is an output that cannot be written: exit 3, named.
        try Data().write(to: URL(fileURLWithPath: folder.file("plain")))
        let blocked = try Zoo.run("convert", source, folder.file("plain/out.safetensors"))
        #expect(blocked.status == 3 && blocked.stderr.contains(folder.file("plain")), "\(blocked.stderr)")
    }

    @Test("convert --to creates OUT's folders too, and removes them when the source cannot be converted")
    func mappedConversionCreatesFolders() throws {
        let folder = try TemporaryFolder()
        let unidentified = try Zoo.run("convert", Fixtures.path("safetensors", "all_dtypes.safetensors"), folder.file("new/m.pth"), "--to", "timm")
        #expect(unidentified.status == 2 && !FileManager.default.fileExists(atPath: folder.file("new")), "\(unidentified.stderr)")
        guard RealAssets.haveMobileNetV2AndPhotos else { return }
        let converted = try Self.report(Zoo.run("convert", RealAssets.mobileNetV2, folder.file("new/deeper/mnv2.pth"), "--to", "timm", "--json"))
        #expect(converted["files"] as? [String] == [folder.file("new/deeper/mnv2.pth")])
        #expect(converted["bytes_written"] as? Int == (try Self.size(folder.file("new/deeper/mnv2.pth"))))
    }

    @Test("--json's bytesWritten is the file's size: compressed for a deflated .npz")
    func bytesWrittenIsTheFileSize() throws {
        let folder = try TemporaryFolder()
        let source = Fixtures.path("safetensors", "no_metadata.safetensors")
        for (name, flags) in [("plain.npz", [String]()), ("small.npz", ["--compress"]), ("copy.safetensors", [])] {
            let report = try Self.report(Zoo.run(arguments: ["convert", source, folder.file(name), "--json"] + flags))
            #expect(report["bytes_written"] as? Int == (try Self.size(folder.file(name))), "\(name)")
        }
        #expect(try Self.size(folder.file("small.npz")) < Self.size(folder.file("plain.npz")))
    }

    @Test("an output name of 252 or 255 bytes is written (its temporary name used to be 11 bytes longer, past NAME_MAX)",
          arguments: [252, 255], [".npz", ".safetensors", ".h5"])
    func outputNamesUpToNameMax(_ length: Int, _ suffix: String) throws {
        let folder = try TemporaryFolder()
        let name = String(repeating: "n", count: length - suffix.utf8.count) + suffix
        let result = try Zoo.run("convert", Fixtures.path("safetensors", "no_metadata.safetensors"), folder.file(name))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try folder.contents() == [name])
    }
}
