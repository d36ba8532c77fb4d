import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

@Suite struct SafetensorsTests {
    nonisolated(unsafe) static let expected = try! Fixtures.json("safetensors", "expected.json") as! [String: Any]

    @Test(arguments: ["all_dtypes.safetensors", "no_metadata.safetensors", "empty.safetensors"])
    func readsFixturesWrittenByTheReferenceLibrary(_ name: String) throws {
        let files = Self.expected["files"] as! [String: [String: Any]]
        let entry = files[name]!
        let reader = try SafetensorsReader(path: Fixtures.path("safetensors", name))
        let problems = try mismatches(reader, expected: entry["tensors"] as! [String: Any])
        #expect(problems == [])
        #expect(reader.metadata == (entry["metadata"] as? [String: String] ?? [:]))
    }

    @Test func tensorsAreZeroCopyViewsOfTheMappedFile() throws {
        let reader = try SafetensorsReader(path: Fixtures.path("safetensors", "all_dtypes.safetensors"))
        #expect(try reader.tensor(named: "t_f32").storage.isMapped)
        #expect(throws: CheckpointError.self) { try reader.tensor(named: "missing") }
    }

    /// Dropping a tensor's resident pages (done while streaming a conversion) must leave its bytes
    /// readable and unchanged, for file maps and for in-memory copies alike.
    @Test func releasingMappedPagesKeepsTheBytes() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("pages.safetensors")
        let values = (0..<100_000).map { Float($0) }  // spans many pages, so whole pages are dropped
        let writer = try SafetensorsWriter(path: path, tensors: [TensorInfo(name: "w", dtype: .f32, shape: [100_000])])
        try writer.append(Tensor(values, dtype: .f32, shape: [100_000]))
        _ = try writer.commit()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let copy = bytes.withUnsafeBytes { MappedFile(copying: $0, path: path) }
        for reader in [try SafetensorsReader(path: path), try SafetensorsReader(file: copy)] {
            let before = try reader.checksums()
            for info in reader.tensors { try reader.tensor(named: info.name).storage.releaseMappedPages() }
            #expect(try reader.checksums() == before)
            #expect(try reader.tensor(named: "w").scalars(as: Float.self) == values)
        }
    }

    @Test func opensAShardedCheckpointAsOne() throws {
        let sharded = Self.expected["sharded"] as! [String: Any]
        let reader = try Checkpoint.open(Fixtures.path("safetensors", sharded["index"] as! String))
        #expect(reader.format == .shardedSafetensors)
        #expect(reader.warnings == [])
        let tensors = sharded["tensors"] as! [String: [String: Any]]
        #expect(try mismatches(reader, expected: tensors) == [])
        let index = reader as! ShardedSafetensorsReader
        for (name, entry) in tensors { #expect(index.weightMap[name] == entry["shard"] as? String) }
    }

    @Test func writerOutputReadsBackIdenticallyWithAlignedData() throws {
        let folder = try TemporaryFolder()
        let source = try SafetensorsReader(path: Fixtures.path("safetensors", "all_dtypes.safetensors"))
        let path = folder.file("copy.safetensors")
        let writer = try SafetensorsWriter(path: path, tensors: source.tensors, metadata: source.metadata)
        for info in source.tensors { try writer.append(try source.tensor(named: info.name)) }
        #expect(try writer.commit() == [path])
        let copy = try SafetensorsReader(path: path)
        #expect(copy.tensors == source.tensors)
        #expect(copy.metadata == source.metadata)
        for info in source.tensors {
            #expect(try copy.tensor(named: info.name).byteArray == source.tensor(named: info.name).byteArray)
        }
        // The header is space-padded so the data section starts on an 8-byte boundary.
        let headerLength = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(headerLength % 8 == 0)
        #expect(try folder.contents() == ["copy.safetensors"])
    }

    @Test func shardedWriterSplitsBySizeAndWritesAHuggingFaceIndex() throws {
        let folder = try TemporaryFolder()
        let tensors = (0..<5).map { TensorInfo(name: "layer.\($0).weight", dtype: .f32, shape: [10, 10]) }  // 400 bytes each
        let path = folder.file("model.safetensors")
        let writer = try ShardedSafetensorsWriter(path: path, tensors: tensors, metadata: ["format": "pt"], maxShardBytes: 900)
        for (index, info) in tensors.enumerated() {
            try writer.append(Tensor([Float](repeating: Float(index), count: 100), dtype: .f32, shape: info.shape))
        }
        let written = try writer.commit()
        #expect(written.map { $0.split(separator: "/").last! } == [
            "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
            "model.safetensors.index.json",
        ])
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: written.last!))) as! [String: Any]
        #expect((index["metadata"] as! [String: Any])["total_size"] as? Int == 2000)
        #expect((index["weight_map"] as! [String: String])["layer.4.weight"] == "model-00003-of-00003.safetensors")
        let reader = try Checkpoint.open(written.last!)
        #expect(reader.tensors == tensors)
        #expect(reader.warnings == [])
        #expect(try reader.tensor(named: "layer.3.weight").scalars(as: Float.self).allSatisfy { $0 == 3 })
        #expect(reader.metadata == ["format": "pt"])
    }

    @Test func aCheckpointThatFitsOneShardIsWrittenAsOneFile() throws {
        let folder = try TemporaryFolder()
        let info = TensorInfo(name: "w", dtype: .f32, shape: [2])
        let writer = try ShardedSafetensorsWriter(path: folder.file("m.safetensors"), tensors: [info], maxShardBytes: 1 << 30)
        try writer.append(Tensor([Float(1), 2], dtype: .f32, shape: [2]))
        #expect(try writer.commit() == [folder.file("m.safetensors")])
    }

    @Test func shardedIndexProblemsAreReported() throws {
        let folder = try TemporaryFolder()
        let shard = folder.file("a.safetensors")
        let writer = try SafetensorsWriter(path: shard, tensors: [TensorInfo(name: "w", dtype: .u8, shape: [3])])
        try writer.append(Tensor([UInt8(1), 2, 3], dtype: .u8, shape: [3]))
        _ = try writer.commit()
        func index(_ text: String) throws -> String {
            let path = folder.file("m.safetensors.index.json")
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            return path
        }
        // total_size that disagrees with the shards is a warning, not a failure.
        let reader = try Checkpoint.open(try index(#"{"metadata": {"total_size": 5}, "weight_map": {"w": "a.safetensors"}}"#))
        #expect(reader.warnings.count == 1)
        // A tensor the index names but the shard lacks, and a shard outside the folder, are errors.
        let missing = try index(#"{"metadata": {"total_size": 3}, "weight_map": {"w": "a.safetensors", "v": "a.safetensors"}}"#)
        #expect { try Checkpoint.open(missing) } throws: { caseName(($0 as! SafetensorsError).problem) == "shardDisagrees" }
        let escape = try index(#"{"weight_map": {"w": "../a.safetensors"}}"#)
        #expect { try Checkpoint.open(escape) } throws: { caseName(($0 as! SafetensorsError).problem) == "badIndex" }
    }

    @Test(arguments: try! MalformedCase.load("safetensors"))
    func malformedFilesGiveTypedErrorsSayingWhere(_ malformed: MalformedCase) throws {
        let path = Fixtures.path("safetensors", "malformed/" + malformed.file)
        do {
            let reader = try SafetensorsReader(path: path)
            Issue.record("\(malformed.file) opened with \(reader.tensors.count) tensors; expected \(malformed.problem)")
        } catch let error as SafetensorsError {
            #expect(caseName(error.problem) == malformed.problem, "\(error)")
            #expect(error.file == path)
            if let tensor = malformed.tensor { #expect(error.tensor == tensor, "\(error)") }
            if let offset = malformed.offset { #expect(error.offset == offset, "\(error)") }
            #expect(error.description.hasPrefix(path))
        }
    }

    @Test func headerJSONIsEscapedAndRoundTrips() throws {
        let names = ["quote\"d", "back\\slash", "new\nline", "ünï", "tab\t", "\u{01}ctl"]
        let header = SafetensorsHeader(laying: names.map { TensorInfo(name: $0, dtype: .u8, shape: [1]) }, metadata: ["k\"": "v\n"])
        let encoded = header.encoded()
        let parsed = try encoded.withUnsafeBytes {
            try SafetensorsHeader.parse(json: UnsafeRawBufferPointer(rebasing: $0[8...]), dataSize: names.count, file: "memory")
        }
        #expect(parsed.entries == header.entries)
        #expect(parsed.metadata == header.metadata)
    }
}
