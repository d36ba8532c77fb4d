#if canImport(Glibc)
import Glibc
#endif
@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// Where `convert` may write (issue 17): never onto a file the source reads, whatever the path's
/// spelling; never silently over a symbolic link, device node or FIFO; with the replaced file's
/// permissions or the umask's; and a sharded set appears whole or not at all.
@Suite struct ConversionOutputTests {
    /// `count` f32 tensors of 100 elements (400 bytes each), tensor i filled with i.
    static let tensors = (0..<4).map { TensorInfo(name: "layer.\($0).weight", dtype: .f32, shape: [10, 10]) }

    static func write(_ path: String, maxShardBytes: Int = 1 << 30, dtype: DType = .f32) throws -> [String] {
        let infos = tensors.map { TensorInfo(name: $0.name, dtype: dtype, shape: $0.shape) }
        let writer = try ShardedSafetensorsWriter(path: path, tensors: infos, maxShardBytes: maxShardBytes)
        for index in infos.indices {
            try writer.append(Tensor([Float](repeating: Float(index), count: 100), dtype: .f32, shape: [10, 10]).converted(to: dtype))
        }
        return try writer.commit()
    }

    /// Every name in `folder` with its bytes (empty for a folder), to show nothing changed.
    static func snapshot(_ folder: TemporaryFolder) throws -> [String: Data] {
        Dictionary(uniqueKeysWithValues: try folder.contents().map { ($0, (try? Data(contentsOf: URL(fileURLWithPath: folder.file($0)))) ?? Data()) })
    }

    static func expectOutputIsSource(_ source: String, _ output: String, _ options: ConversionOptions, in folder: TemporaryFolder) throws {
        let before = try snapshot(folder)
        #expect {
            _ = try CheckpointConversion.run(try Checkpoint.open(source), to: output, options: options)
        } throws: { error in
            guard case .outputIsSource = error as? CheckpointError else { return false }
            return true
        }
        #expect(try snapshot(folder) == before, "\(output)")
    }

    /// Sharded onto sharded with the same stem, spelled through a symbolic link to the folder
    /// (with --dtype f16 the shards get other names, but the index is the source's).
    @Test(arguments: [DType.f32, .f16])
    func aShardedSourceIsNotReplacedThroughAnotherSpelling(_ dtype: DType) throws {
        let folder = try TemporaryFolder()
        let written = try Self.write(folder.file("model.safetensors"), maxShardBytes: 500)
        #expect(written.count == 5)
        #expect(symlink(folder.path, folder.file("alias")) == 0)
        let options = ConversionOptions(format: .safetensors, dtype: dtype, maxShardBytes: 500)
        try Self.expectOutputIsSource(written.last!, folder.file("alias/model.safetensors"), options, in: folder)
    }

    /// A file named like shard 1 of the output is the source.
    @Test func anInputNamedLikeAnOutputShardIsNotReplaced() throws {
        let folder = try TemporaryFolder()
        _ = try Self.write(folder.file("model-00001-of-00004.safetensors"))
        try Self.expectOutputIsSource(
            folder.file("model-00001-of-00004.safetensors"), folder.file("model.safetensors"),
            ConversionOptions(format: .safetensors, maxShardBytes: 500), in: folder)
    }

    /// A TensorFlow checkpoint converted onto its own data shard.
    @Test func aTensorFlowCheckpointIsNotWrittenOntoItsDataShard() throws {
        let folder = try TemporaryFolder()
        for suffix in [".index", ".data-00000-of-00001"] {
            try FileManager.default.copyItem(atPath: Fixtures.path("tensorflow", "all_dtypes" + suffix), toPath: folder.file("ckpt" + suffix))
        }
        try Self.expectOutputIsSource(
            folder.file("ckpt.index"), folder.file("ckpt.data-00000-of-00001"), ConversionOptions(format: .safetensors), in: folder)
    }

    /// A hard link is the same file under another name (as a bind mount is: same device and inode).
    @Test func aHardLinkToTheSourceIsTheSource() throws {
        let folder = try TemporaryFolder()
        _ = try Self.write(folder.file("model.safetensors"))
        #expect(link(folder.file("model.safetensors"), folder.file("other.safetensors")) == 0)
        try Self.expectOutputIsSource(folder.file("model.safetensors"), folder.file("other.safetensors"), ConversionOptions(format: .safetensors), in: folder)
    }

    /// A symbolic link or FIFO at the output is refused by name and kind; asked to, zoo replaces
    /// the link itself and leaves its target alone.
    @Test func specialOutputsAreRefusedUnlessReplacingThemIsAsked() throws {
        let folder = try TemporaryFolder()
        let source = try Checkpoint.open(try Self.write(folder.file("model.safetensors"))[0])
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: folder.file("target.txt")))
        #expect(symlink(folder.file("target.txt"), folder.file("link.npz")) == 0)
        #expect(mkfifo(folder.file("fifo.npz"), 0o600) == 0)
        for (output, kind) in [("link.npz", "a symbolic link"), ("fifo.npz", "a FIFO")] {
            #expect(throws: CheckpointError.specialOutput(file: folder.file(output), kind: kind)) {
                _ = try CheckpointConversion.run(source, to: folder.file(output), options: ConversionOptions(format: .npz))
            }
        }
        #expect(OutputPath.existing("/dev/null") == .special("a character device"))
        #expect(try folder.contents() == ["fifo.npz", "link.npz", "model.safetensors", "target.txt"])

        _ = try CheckpointConversion.run(source, to: folder.file("link.npz"), options: ConversionOptions(format: .npz, replaceSpecialOutput: true))
        #expect(OutputPath.existing(folder.file("link.npz")) != .special("a symbolic link"))
        #expect(try Checkpoint.open(folder.file("link.npz")).tensors == Self.tensors)
        #expect(try String(contentsOfFile: folder.file("target.txt"), encoding: .utf8) == "keep me")
    }

    /// A replaced file keeps its permission bits (a 0600 file stays private); a new one gets 0666
    /// less the umask (`ZooCLITests` runs zoo under umask 077 for that).
    @Test(arguments: [0o600, 0o640] as [mode_t])
    func aReplacedOutputKeepsItsMode(_ mode: mode_t) throws {
        let folder = try TemporaryFolder()
        let source = try Checkpoint.open(try Self.write(folder.file("model.safetensors"))[0])
        func existing(_ name: String) throws -> String {
            try Data().write(to: URL(fileURLWithPath: folder.file(name)))
            #expect(chmod(folder.file(name), mode) == 0)
            return folder.file(name)
        }
        // One file through AtomicFile; shards through the staging folder (only shard 1 existed).
        _ = try CheckpointConversion.run(source, to: try existing("out.npz"), options: ConversionOptions(format: .npz))
        let shard = try existing("out-00001-of-00004.safetensors")
        let written = try CheckpointConversion.run(source, to: folder.file("out.safetensors"), options: ConversionOptions(format: .safetensors, maxShardBytes: 500))
        #expect(written.files.count == 5)
        for file in written.files + [folder.file("out.npz")] {
            let want = file == shard || file.hasSuffix(".npz") ? mode : 0o666 & ~OutputPath.processUmask
            #expect(OutputPath.existing(file) == .regular(mode: want), "\(file)")
        }
    }

    /// A file being written has no name until its commit (Linux `O_TMPFILE`), so a process killed
    /// by SIGKILL leaves nothing; a writer that hands its path to a library (HDF5) writes a hidden
    /// temporary, which `TemporaryName.removeLeftovers` finds in the folders under a run folder.
    @Test func aFileBeingWrittenIsOutOfSight() throws {
        let folder = try TemporaryFolder()
        let unnamed = try AtomicFile(destination: folder.file("model.safetensors"))
        try unnamed.write([UInt8](repeating: 7, count: 3 << 20))
        #expect(try folder.contents().isEmpty)
        try unnamed.commit()
        #expect(try folder.contents() == ["model.safetensors"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("model.safetensors"))) == Data(repeating: 7, count: 3 << 20))

        try FileManager.default.createDirectory(atPath: folder.file("run/model"), withIntermediateDirectories: true)
        let named = try AtomicFile(destination: folder.file("run/model/model.h5"), named: true)
        try named.write([1, 2, 3])
        let path = try #require(named.temporaryPath)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("run/model")) == [URL(fileURLWithPath: path).lastPathComponent])
        try FileManager.default.createDirectory(atPath: folder.file("run/.model.zoo-Ab12Cd"), withIntermediateDirectories: false)
        try Data().write(to: URL(fileURLWithPath: folder.file("run/.hidden-by-the-user")))
        #expect(TemporaryName.removeLeftovers(in: folder.file("run")) == [folder.file("run/.model.zoo-Ab12Cd"), path])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("run")).sorted() == [".hidden-by-the-user", "model"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("run/model")).isEmpty)
    }

    /// Shards and index are staged out of sight and published together by commit.
    @Test func shardsAppearOnlyAtCommit() throws {
        let folder = try TemporaryFolder()
        let writer = try ShardedSafetensorsWriter(path: folder.file("model.safetensors"), tensors: Self.tensors, maxShardBytes: 500)
        for index in Self.tensors.indices { try writer.append(Tensor([Float](repeating: Float(index), count: 100), dtype: .f32, shape: [10, 10])) }
        #expect(try folder.contents().allSatisfy { $0.hasPrefix(".model.safetensors.zoo-") })
        let written = try writer.commit()
        #expect(try folder.contents() == written.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted())
    }

    /// Replacing a sharded set: the old index goes first, so no index ever names a mix of old and
    /// new shards; a publish that fails half-way removes the new shards it moved and leaves no index.
    @Test func aFailedShardPublishLeavesNoIndex() throws {
        let folder = try TemporaryFolder()
        let old = try Self.write(folder.file("model.safetensors"), maxShardBytes: 500)
        // The last shard's name is taken by a folder: its rename fails after three shards moved.
        #expect(unlink(old[3]) == 0 && mkdir(old[3], 0o755) == 0)
        #expect(throws: FileError.self) { _ = try Self.write(folder.file("model.safetensors"), maxShardBytes: 500) }
        #expect(try folder.contents() == ["model-00004-of-00004.safetensors"])
    }

    /// A reader over `source` that fails on the tensor called `failing`.
    final class FailingReader: CheckpointReader, @unchecked Sendable {
        let source: CheckpointReader
        let failing: String
        init(_ source: CheckpointReader, failingAt failing: String) { (self.source, self.failing) = (source, failing) }
        var path: String { source.path }
        var format: CheckpointFormat { source.format }
        var tensors: [TensorInfo] { source.tensors }
        var metadata: [String: String] { source.metadata }
        var warnings: [String] { [] }
        var files: [String] { source.files }
        func tensor(named name: String) throws -> Tensor {
            guard name != failing else { throw CheckpointError.noSuchTensor(file: path, tensor: name) }
            return try source.tensor(named: name)
        }
    }

    /// Output folders (issue 16) with issue 17's checks and staging: a sharded set into folders that
    /// do not exist yet is staged inside them and published whole; failing half-way it leaves neither
    /// the staging folder nor the created folders.
    @Test func shardedOutputIntoMissingFolders() throws {
        let folder = try TemporaryFolder()
        let source = try Checkpoint.open(try Self.write(folder.file("model.safetensors"))[0])
        let options = ConversionOptions(format: .safetensors, maxShardBytes: 500)
        let written = try CheckpointConversion.run(source, to: folder.file("new/deeper/out.safetensors"), options: options)
        #expect(written.files.count == 5 && written.files.last == folder.file("new/deeper/out.safetensors.index.json"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("new/deeper")).sorted() == written.files.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted())
        #expect(try Checkpoint.open(written.files.last!).tensors == Self.tensors)

        #expect(throws: CheckpointError.self) {
            _ = try CheckpointConversion.run(FailingReader(source, failingAt: "layer.2.weight"), to: folder.file("x/y/out.safetensors"), options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("x")))
    }
}
