@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// torch.save checkpoints written by PyTorch itself (formats/pytorch, generate.py), malicious
/// pickles that would run code under pickle.load, and malformed files.
@Suite struct PyTorchTests {
    nonisolated(unsafe) static let expected = (try! Fixtures.json("pytorch", "expected.json") as! [String: Any])["files"] as! [String: [String: Any]]

    @Test(arguments: ["zip_all_dtypes.pth", "legacy_all_dtypes.pth", "nested.pth", "module_prefixed.pth"])
    func readsWhatTorchSaveWrote(_ name: String) throws {
        let entry = Self.expected[name]!
        let reader = try PyTorchReader(path: Fixtures.path("pytorch", name))
        #expect(reader.format == (entry["format"] as? String == "legacy" ? .pytorchLegacy : .pytorchZip))
        let container = entry["container"] as? String ?? ""
        #expect(reader.container == container)
        // zoo names tensors by their keys inside the container it found them in.
        let prefix = container.isEmpty ? "" : container + "."
        let tensors = Dictionary(uniqueKeysWithValues: (entry["tensors"] as! [String: Any]).map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        #expect(try mismatches(reader, expected: tensors) == [])
        if name == "module_prefixed.pth" { #expect(reader.warnings.contains { $0.contains("module.") }) }
        if name == "nested.pth" { #expect(reader.metadata["epoch"] == "7" && reader.warnings.contains { $0.contains("'model'") }) }
    }

    @Test func contiguousTensorsAreViewsAndStridedOnesAreGathered() throws {
        let reader = try PyTorchReader(path: Fixtures.path("pytorch", "zip_all_dtypes.pth"))
        let tensors = Self.expected["zip_all_dtypes.pth"]!["tensors"] as! [String: [String: Any]]
        for (name, entry) in tensors {
            let shape = entry["shape"] as! [Int], stride = entry["stride"] as! [Int]
            let contiguous = stride == Shape(unchecked: shape).contiguousStrides || shape.reduce(1, *) <= 1
            #expect(try reader.tensor(named: name).storage.isMapped == contiguous, "\(name) stride \(stride)")
        }
    }

    /// zoo's writer, fed every dtype torch has (strided views gathered on the way), writes a zip
    /// whose storages are 64-byte-aligned stored members that read back bit for bit, zero-copy.
    /// (`make interop` checks that torch.load(weights_only=True) reads the same file.)
    @Test func writerOutputReadsBackIdentically() throws {
        let folder = try TemporaryFolder()
        let source = try PyTorchReader(path: Fixtures.path("pytorch", "zip_all_dtypes.pth"))
        let output = folder.file("out.pth")
        _ = try CheckpointConversion.run(source, to: output, options: ConversionOptions(format: .pytorch))
        let copy = try PyTorchReader(path: output)
        #expect(copy.format == .pytorchZip && copy.container == "")
        #expect(copy.tensors == source.tensors)
        #expect(try copy.checksums() == source.checksums())
        let tensors = Self.expected["zip_all_dtypes.pth"]!["tensors"] as! [String: Any]
        #expect(try mismatches(copy, expected: tensors) == [])
        let archive = try ZipArchive(file: MappedFile(path: output))
        for entry in archive.entries where entry.name.hasPrefix("archive/data/") {
            #expect(entry.isStored && entry.dataRange.lowerBound % 64 == 0, "\(entry.name)")
        }
        #expect(try copy.tensors.allSatisfy { try copy.tensor(named: $0.name).storage.isMapped })
    }

    /// Opening reads every member's local header, scattered over the file; the pages that walk
    /// faulted in must not stay in the resident set (each fault maps up to 16 cached pages).
    @Test func openingManyMembersLeavesLittleOfTheFileResident() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("many.pth")
        let tensors = (0..<2_000).map { TensorInfo(name: "t\($0)", dtype: .f32, shape: [2_048]) }  // 8 KiB each, 16 MB
        let writer = try PyTorchWriter(path: path, tensors: tensors)
        for _ in tensors { try writer.append(Tensor(zeros: .f32, shape: [2_048])) }
        _ = try writer.commit()
        let file = try MappedFile(path: path)
        let archive = try ZipArchive(file: file)
        #expect(archive.entries.count > 2_000)
        guard let resident = residentBytes(ofMapping: file.bytes) else { return }
        // Kept, the walk's pages would be the whole file (4 MB even without fault-around).
        #expect(resident < 2 << 20, "\(resident) bytes of \(file.count) resident after opening")
    }

    @Test func writerRefusesDtypesTorchCannotHold() throws {
        let folder = try TemporaryFolder()
        let tensors = [TensorInfo(name: "x", dtype: .f8e4m3, shape: [2])]
        #expect(throws: CheckpointError.self) { _ = try PyTorchWriter(path: folder.file("x.pth"), tensors: tensors) }
        #expect(try folder.contents() == [])
    }

    /// Every malicious file is refused by naming the global it wanted; nothing it asked for ran
    /// (each payload would create /tmp/zoo-pwned-<case>).
    @Test(arguments: try! MalformedCase.load("pytorch", corpus: "malicious"))
    func maliciousPicklesAreRefusedAndNothingRuns(_ malicious: MalformedCase) throws {
        let path = Fixtures.path("pytorch", "malicious/" + malicious.file)
        let global = try #require(((try Fixtures.json("pytorch", "malicious/cases.json") as! [[String: Any]]).first { $0["file"] as? String == malicious.file })?["global"]) as? String
        do {
            _ = try Self.read(path)
            Issue.record("\(malicious.file) was accepted")
        } catch let error as PyTorchError {
            if let global {
                #expect(error.problem == .forbiddenGlobal(global), "\(malicious.file): \(error)")
            } else {
                #expect(error.problem.isForbiddenGlobal, "\(malicious.file): \(error)")
            }
            #expect(error.offset != nil)
        }
        let pwned = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("zoo-pwned") }
        #expect(pwned == [])
    }

    @Test(arguments: try! MalformedCase.load("pytorch"))
    func malformedCheckpointsGiveTypedErrors(_ malformed: MalformedCase) throws {
        let path = Fixtures.path("pytorch", "malformed/" + malformed.file)
        do {
            _ = try Self.read(path)
            Issue.record("\(malformed.file) read without error; expected \(malformed.problem) (\(malformed.note))")
        } catch let error as PyTorchError {
            #expect(caseName(error.problem) == malformed.problem, "\(malformed.file): \(error)")
            if let offset = malformed.offset { #expect(error.offset == offset, "\(malformed.file): \(error)") }
        } catch let error as ZipError {
            Issue.record("\(malformed.file): zip error \(error), expected \(malformed.problem)")
        }
    }

    /// A `.pth` through the reader (every tensor read); a bare `.pkl` through the unpickler, with
    /// any storage reference accepted.
    static func read(_ path: String) throws {
        if path.hasSuffix(".pth") {
            _ = try PyTorchReader(path: path).checksums()
            return
        }
        let file = try MappedFile(path: path)
        let arena = PickleArena()
        defer { arena.clear() }
        var unpickler = Unpickler(bytes: file.bytes, file: path, base: 0, arena: arena) { id, at in
            .storage(try PyTorchReader.storageReference(id, file: path, at: at))
        }
        _ = try unpickler.load()
    }
}
