import Foundation
import TestSupport
import Testing

/// A FIFO where zoo expects a file — the input itself, a shard an index names, a TensorFlow data
/// shard — is refused at once (exit 2, naming the path and what it is): a plain `open` would wait
/// for a writer forever.
@Suite struct SpecialInputTests {
    func expectRefused(_ result: Zoo.Result, naming path: String) {
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(path) && result.stderr.contains("a FIFO (named pipe), not a regular file"), "\(result.stderr)")
    }

    @Test(arguments: ["model.safetensors", "model.h5", "model.pth"])
    func anInputThatIsAFIFOIsRefused(_ name: String) throws {
        let folder = try TemporaryFolder()
        let fifo = try FIFOFixture(at: folder.file(name))
        defer { fifo.finish() }
        expectRefused(try Zoo.run("inspect", fifo.path), naming: fifo.path)
    }

    @Test func aShardThatIsAFIFOIsRefused() throws {
        let folder = try TemporaryFolder()
        try Data(#"{"weight_map": {"t": "shard.safetensors"}}"#.utf8).write(to: URL(fileURLWithPath: folder.file("model.safetensors.index.json")))
        let fifo = try FIFOFixture(at: folder.file("shard.safetensors"))
        defer { fifo.finish() }
        expectRefused(try Zoo.run("inspect", folder.file("model.safetensors.index.json")), naming: fifo.path)
    }

    @Test func aTensorFlowDataShardThatIsAFIFOIsRefused() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Fixtures.path("tensorflow", "all_dtypes.index"), toPath: folder.file("all_dtypes.index"))
        let fifo = try FIFOFixture(at: folder.file("all_dtypes.data-00000-of-00001"))
        defer { fifo.finish() }
        expectRefused(try Zoo.run("inspect", folder.file("all_dtypes.index"), "--checksum"), naming: fifo.path)
    }
}
