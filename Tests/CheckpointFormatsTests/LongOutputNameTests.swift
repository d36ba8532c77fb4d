@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// Output names up to NAME_MAX (255 bytes) are legal, so the hidden temporary names zoo writes
/// under (`AtomicFile`, `StagingFolder`, the shards staged inside one) must fit too (issue 17: a
/// 252-byte output name failed because its temporary name was the output's name plus 11 bytes).
@Suite struct LongOutputNameTests {
    /// A name of exactly `bytes` UTF-8 bytes ending in `suffix`, its stem made of `unit` repeated
    /// (an odd byte count is made up with one ASCII letter).
    static func name(_ bytes: Int, _ suffix: String, unit: String = "n") -> String {
        let room = bytes - suffix.utf8.count
        let units = room / unit.utf8.count
        return String(repeating: unit, count: units) + String(repeating: "x", count: room - units * unit.utf8.count) + suffix
    }

    /// A one-tensor safetensors source in `folder`.
    static func source(in folder: TemporaryFolder) throws -> CheckpointReader {
        let path = folder.file("source.safetensors")
        let writer = try SafetensorsWriter(path: path, tensors: [TensorInfo(name: "w", dtype: .f32, shape: [3])], metadata: [:])
        try writer.append(Tensor([Float(1), 2, 3], dtype: .f32, shape: [3]))
        _ = try writer.commit()
        return try Checkpoint.open(path)
    }

    @Test(arguments: [252, 255], [".safetensors", ".npz", ".npy", ".pth", ".h5", ".weights.h5"])
    func everyWriterTakesANameUpToNameMax(_ length: Int, _ suffix: String) throws {
        let folder = try TemporaryFolder()
        let source = try Self.source(in: folder)
        let output = Self.name(length, suffix)
        #expect(output.utf8.count == length)
        let report = try CheckpointConversion.run(source, to: folder.file(output), options: ConversionOptions(format: OutputFormat(path: output)!))
        #expect(report.files == [folder.file(output)])
        #expect(try folder.contents() == [output, "source.safetensors"].sorted())
        #expect(try Checkpoint.open(folder.file(output)).checksums() == source.checksums())
    }

    /// Shards named at NAME_MAX (a 240-byte output's `-00001-of-00002` shards are 255 bytes),
    /// written into a staging folder beside a name that long.
    @Test func shardsStagedUnderNamesAtNameMax() throws {
        let folder = try TemporaryFolder()
        let output = Self.name(240, ".safetensors")
        let tensors = [TensorInfo(name: "a", dtype: .f32, shape: [4]), TensorInfo(name: "b", dtype: .f32, shape: [4])]
        let writer = try ShardedSafetensorsWriter(path: folder.file(output), tensors: tensors, maxShardBytes: 16)
        for _ in tensors { try writer.append(Tensor([Float](repeating: 1, count: 4), dtype: .f32, shape: [4])) }
        let written = try writer.commit()
        #expect(written.count == 3)
        #expect(written.dropLast().allSatisfy { URL(fileURLWithPath: $0).lastPathComponent.utf8.count == 255 })
        #expect(try folder.contents() == written.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted())
    }

    /// Cut at a character boundary: a name of two-byte characters keeps whole characters.
    @Test(arguments: [1, 200, 243, 244, 255])
    func temporaryNamesFitNameMax(_ length: Int) throws {
        for unit in ["n", "é", "日", "🦓"] {
            let name = Self.name(length, "", unit: unit)
            let template = TemporaryName.template(for: name)
            #expect(template.utf8.count <= TemporaryName.nameMax)
            #expect(template.hasPrefix(".") && template.hasSuffix(".zoo-XXXXXX"))
            #expect(name.hasPrefix(template.dropFirst().dropLast(".zoo-XXXXXX".count)))
            if length <= 243 { #expect(template == "." + name + ".zoo-XXXXXX") }
        }
        let folder = try TemporaryFolder()
        let staging = try StagingFolder(beside: folder.file(Self.name(length, "", unit: "é")))
        try AtomicFile.write([1, 2, 3], to: staging.file(Self.name(length, "", unit: "🦓")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).count == 1)
    }
}
