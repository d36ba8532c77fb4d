import CheckpointFormats
import Foundation
import TestSupport
import Testing

@Suite struct DetectionTests {
    /// Writes `bytes` under a name that says nothing about the format.
    func file(_ bytes: [UInt8], in folder: TemporaryFolder, name: String = "checkpoint.bin") throws -> String {
        let path = folder.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func detectsFixturesByContentWhateverTheirName() throws {
        let folder = try TemporaryFolder()
        let cases: [(String, String, CheckpointFormat)] = [
            ("safetensors", "all_dtypes.safetensors", .safetensors),
            ("safetensors", "sharded/model.safetensors.index.json", .shardedSafetensors),
            ("dtypes", "floats.npz", .npz),
        ]
        for (index, (dir, name, format)) in cases.enumerated() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(dir, name))))
            #expect(try FormatDetector.detect(file(bytes, in: folder, name: "renamed\(index).dat")) == format, "\(name)")
        }
    }

    @Test func namesFormatsItRecognisesButCannotReadYet() throws {
        let folder = try TemporaryFolder()
        let cases: [([UInt8], CheckpointFormat)] = [
            ([0x80, 0x04, 0x95, 0x00, 0x2E], .pickle),
            (Array("GGUF".utf8) + [3, 0, 0, 0], .gguf),
        ]
        for (index, (bytes, format)) in cases.enumerated() {
            let path = try file(bytes, in: folder, name: "f\(index)")
            #expect(try FormatDetector.detect(path) == format)
            #expect(throws: CheckpointError.notImplemented(file: path, format: format, hint: format == .pickle ? "a pickle that is not a torch.save checkpoint" : "")) {
                try Checkpoint.open(path)
            }
        }
    }

    /// A signature and nothing behind it: detected, then refused by the format's own reader.
    @Test func aBareHDF5SignatureIsExplainedByLibhdf5() throws {
        let folder = try TemporaryFolder()
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        for (index, bytes) in [signature + [UInt8](repeating: 0, count: 64), [UInt8](repeating: 0, count: 512) + signature].enumerated() {
            let path = try file(bytes, in: folder, name: "f\(index)")
            #expect(try FormatDetector.detect(path) == .hdf5)
            let error = try #require(throws: HDF5Error.self) { try Checkpoint.open(path) }
            #expect(caseName(error.problem) == "openFailed" && error.file == path, "\(error)")
        }
    }

    @Test func aBareTensorFlowFooterIsExplainedByTheTensorFlowReader() throws {
        let folder = try TemporaryFolder()
        let path = try file([UInt8](repeating: 0, count: 40) + [0x57, 0xFB, 0x80, 0x8B, 0x24, 0x75, 0x47, 0xDB], in: folder, name: "f")
        #expect(try FormatDetector.detect(path) == .tensorflowIndex)
        #expect(throws: TensorFlowError.self) { try Checkpoint.open(path) }
    }

    @Test func aLegacyTorchPickleIsReadByThePyTorchReader() throws {
        let folder = try TemporaryFolder()
        // The pickled magic number alone: recognised, then read until the file runs out.
        let path = try file([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E], in: folder)
        #expect(try FormatDetector.detect(path) == .pytorchLegacy)
        #expect { try Checkpoint.open(path) } throws: { caseName(($0 as! PyTorchError).problem) == "truncated" }
    }

    @Test func tellsNpzFromAPyTorchZipByItsMembers() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("model.pt")
        try ZIPFoundationArchive.make(path, members: ["archive/data.pkl": [0x80, 0x02], "archive/version": Array("3\n".utf8)])
        #expect(try FormatDetector.detect(path) == .pytorchZip)
    }

    @Test func anUnknownFileListsWhatWasTried() throws {
        let folder = try TemporaryFolder()
        let path = try file(Array("just some text\n".utf8), in: folder)
        #expect(throws: CheckpointError.unknownFormat(file: path, tried: FormatDetector.signatures)) { try Checkpoint.open(path) }
    }

    @Test func aMisnamedBrokenFileIsExplainedByTheFormatItsNameClaims() throws {
        let folder = try TemporaryFolder()
        let path = try file([1, 2, 3], in: folder, name: "model.safetensors")
        #expect { try Checkpoint.open(path) } throws: { caseName(($0 as! SafetensorsError).problem) == "tooShort" }
    }

    @Test func aModelFolderOpensTheCheckpointInside() throws {
        let reader = try Checkpoint.open(Fixtures.path("safetensors", "sharded"))
        #expect(reader.format == .shardedSafetensors)
    }
}
