@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// TensorFlow checkpoints written by TensorFlow 2.21 (formats/tensorflow, generate.py): TF1
/// Saver and TF2 object-based names, several shards, multi-block indexes; malformed ones.
@Suite struct TensorFlowTests {
    nonisolated(unsafe) static let expected = (try! Fixtures.json("tensorflow", "expected.json") as! [String: Any])["files"] as! [String: [String: Any]]

    @Test(arguments: ["all_dtypes", "many_tensors", "many_tensors_1k_blocks", "sharded", "tf1_adam", "tf1_bert_like", "tf2_keras_adam", "tf2_keras_subclassed", "tf2_optimizer_slots"])
    func readsWhatTensorFlowWrote(_ prefix: String) throws {
        let entry = Self.expected[prefix]!
        // Opened by its prefix, as TensorFlow names checkpoints.
        let reader = try #require(try Checkpoint.open(Fixtures.path("tensorflow", prefix)) as? TensorFlowReader)
        #expect(reader.path.hasSuffix(prefix + ".index"))
        #expect(reader.tensors.map(\.name) == entry["order"] as! [String])
        #expect(reader.skipped == entry["skipped"] as! [String])
        let tensors = entry["tensors"] as! [String: [String: Any]]
        #expect(try mismatches(reader, expected: tensors) == [])
        for info in reader.tensors {
            #expect(reader.role(of: info.name).rawValue == tensors[info.name]!["role"] as? String, "\(info.name)")
            if info.byteCount > 0 { #expect(try reader.tensor(named: info.name).storage.isMapped, "\(info.name)") }
        }
    }

    @Test func aDataShardOpensItsCheckpoint() throws {
        let reader = try Checkpoint.open(Fixtures.path("tensorflow", "sharded.data-00002-of-00003"))
        #expect(reader.format == .tensorflowIndex && reader.tensors.count == 6)
    }

    @Test func weightsOnlyConversionDropsOptimizerStateAndCounters() throws {
        let folder = try TemporaryFolder()
        let source = try Checkpoint.open(Fixtures.path("tensorflow", "tf1_bert_like.index"))
        let report = try CheckpointConversion.run(
            source, to: folder.file("out.safetensors"), options: ConversionOptions(format: .safetensors, weightsOnly: true))
        let copy = try SafetensorsReader(path: folder.file("out.safetensors"))
        let weights = source.tensors.filter { source.role(of: $0.name) == .weight }
        #expect(copy.tensors.map(\.name).sorted() == weights.map(\.name).sorted())
        #expect(report.droppedTensors == source.tensors.count - weights.count && report.droppedTensors == 49)
    }

    @Test func crc32cMatchesTheCastagnoliCheckValue() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.checksum($0) } == 0xE306_9283)
        // Split input continues the same checksum.
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        bytes.withUnsafeBytes { all in
            let split = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[333...]), continuing: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[..<333])))
            #expect(split == CRC32C.checksum(all))
        }
    }

    @Test(arguments: try! MalformedCase.load("tensorflow"))
    func malformedCheckpointsGiveTypedErrors(_ malformed: MalformedCase) throws {
        let path = Fixtures.path("tensorflow", "malformed/" + malformed.file)
        if malformed.problem == "unknownFormat" {
            #expect(throws: CheckpointError.self) { try Checkpoint.open(path) }
            return
        }
        do {
            _ = try Checkpoint.open(path).checksums()
            Issue.record("\(malformed.file) read without error; expected \(malformed.problem) (\(malformed.note))")
        } catch let error as TensorFlowError {
            #expect(caseName(error.problem) == malformed.problem, "\(malformed.file): \(error)")
            if let tensor = malformed.tensor { #expect(error.tensor == tensor, "\(malformed.file): \(error)") }
            if let offset = malformed.offset { #expect(error.offset == offset, "\(malformed.file): \(error)") }
        }
    }
}
