import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

@Suite struct NumPyTests {
    nonisolated(unsafe) static let expected = (try! Fixtures.json("numpy", "expected.json") as! [String: Any])["files"] as! [String: [String: Any]]

    static let npyFiles = expected.keys.filter { $0.hasSuffix(".npy") }.sorted()

    @Test(arguments: npyFiles)
    func readsEveryArrayNumPyWrote(_ name: String) throws {
        let reader = try Checkpoint.open(Fixtures.path("numpy", name))
        #expect(reader.format == .npy)
        #expect(reader.tensors.map(\.name) == [String(name.dropLast(4))])
        let problems = try mismatches(reader, expected: [String(name.dropLast(4)): Self.expected[name]!])
        #expect(problems == [])
    }

    @Test(arguments: ["stored.npz", "deflated.npz"])
    func readsNpzArchives(_ name: String) throws {
        let reader = try Checkpoint.open(Fixtures.path("numpy", name))
        #expect(reader.format == .npz)
        let problems = try mismatches(reader, expected: Self.expected[name]!["members"] as! [String: Any])
        #expect(problems == [])
    }

    @Test func storedLittleEndianMembersAreMappedInPlace() throws {
        let reader = try NpzReader(path: Fixtures.path("numpy", "stored.npz"))
        let native = reader.tensors.first { info in
            let member = (Self.expected["stored.npz"]!["members"] as! [String: [String: Any]])[info.name]!
            return member["big_endian"] as? Bool == false && member["fortran_order"] as? Bool == false
        }!
        #expect(try reader.tensor(named: native.name).storage.isMapped)
    }

    @Test(arguments: try! MalformedCase.load("numpy"))
    func malformedFilesGiveTypedErrorsSayingWhere(_ malformed: MalformedCase) throws {
        let path = Fixtures.path("numpy", "malformed/" + malformed.file)
        do {
            let reader: CheckpointReader = malformed.file.hasSuffix(".npz") ? try NpzReader(path: path) : try NpyReader(path: path)
            _ = try reader.checksums()
            Issue.record("\(malformed.file) read without error; expected \(malformed.problem) (\(malformed.note))")
        } catch let error as NumPyError {
            #expect(caseName(error.problem) == malformed.problem, "\(malformed.file): \(error)")
            if let tensor = malformed.tensor { #expect(error.tensor == tensor, "\(error)") }
            if let offset = malformed.offset { #expect(error.offset == offset, "\(error)") }
            #expect(error.description.hasPrefix(path))
        } catch let error as ZipError {
            #expect(caseName(error.problem) == malformed.problem, "\(malformed.file): \(error)")
            #expect(error.description.hasPrefix(path))
        }
    }

    /// Writes every fixture array to .npz (stored and deflated) and .npy with zoo, then reads the
    /// result back with zoo and with ZIPFoundation, an independent zip implementation.
    @Test(arguments: [false, true])
    func npzWriterOutputReadsBack(_ compress: Bool) throws {
        let folder = try TemporaryFolder()
        let source = try NpzReader(path: Fixtures.path("numpy", "stored.npz"))
        let path = folder.file("out.npz")
        let writer = try NpzWriter(path: path, tensors: source.tensors, compress: compress)
        for info in source.tensors { try writer.append(try source.tensor(named: info.name)) }
        _ = try writer.commit()
        let copy = try NpzReader(path: path)
        #expect(copy.tensors == source.tensors)
        #expect(try copy.checksums() == source.checksums())
        let members = try ZIPFoundationArchive.read(path)
        #expect(Set(members.keys) == Set(source.tensors.map { $0.name + ".npy" }))
        for info in source.tensors {
            let member = members[info.name + ".npy"]!
            let header = try member.withUnsafeBytes { try NpyHeader.parse($0, file: path, tensor: info.name) }
            #expect(header.dataOffset % 64 == 0)
            let data = try source.tensor(named: info.name).byteArray
            #expect(Array(member[header.dataOffset...]) == data)
        }
    }

    @Test func npyWriterWritesOneArrayAndRefusesMore() throws {
        let folder = try TemporaryFolder()
        let source = try NpyReader(path: Fixtures.path("numpy", "fortran_big_endian.npy"))
        let writer = try NpyWriter(path: folder.file("x.npy"), tensors: source.tensors)
        try writer.append(try source.tensor(named: source.tensors[0].name))
        _ = try writer.commit()
        #expect(try NpyReader(path: folder.file("x.npy")).checksums() == source.checksums())
        let two = [TensorInfo(name: "a", dtype: .f32, shape: [1]), TensorInfo(name: "b", dtype: .f32, shape: [1])]
        #expect(throws: CheckpointError.self) { try NpyWriter(path: folder.file("y.npy"), tensors: two) }
        #expect(throws: CheckpointError.self) { try NpzWriter(path: folder.file("z.npz"), tensors: [TensorInfo(name: "h", dtype: .bf16, shape: [1])], compress: false) }
        #expect(try folder.contents() == ["x.npy"])
    }

    @Test func headersAreAlignedAndUseVersion2OnlyWhenNeeded() throws {
        let small = NpyHeader.encode(dtype: .f32, shape: [3, 4])
        #expect(small.count % 64 == 0 && small[6] == 1)
        let long = NpyHeader.encode(dtype: .u8, shape: try Shape([Int](repeating: 1, count: 22_000)))
        #expect(long.count % 64 == 0 && long[6] == 2)
        let parsed = try long.withUnsafeBytes { try NpyHeader.parse($0, file: "memory", tensor: nil) }
        #expect(parsed.shape.rank == 22_000 && parsed.dataOffset == long.count)
    }

    /// More than 65 535 members forces the ZIP64 end records; both zip readers must agree.
    @Test func zip64ArchivesRoundTrip() throws {
        let folder = try TemporaryFolder()
        let tensors = (0..<65_600).map { TensorInfo(name: "t\($0)", dtype: .u8, shape: [1]) }
        let path = folder.file("many.npz")
        let writer = try NpzWriter(path: path, tensors: tensors, compress: false)
        for index in tensors.indices { try writer.append(Tensor([UInt8(truncatingIfNeeded: index)], dtype: .u8, shape: [1])) }
        _ = try writer.commit()
        let reader = try NpzReader(path: path)
        #expect(reader.tensors.count == tensors.count)
        #expect(try reader.tensor(named: "t65599").scalars(as: UInt8.self) == [UInt8(truncatingIfNeeded: 65_599)])
        #expect(try ZIPFoundationArchive.read(path).count == tensors.count)
    }

    /// Found by the PyTorch fuzzer: a 54-byte archive whose ZIP64 locator sits in a file shorter
    /// than a ZIP64 end record used to trap on a negative size; it is a typed error now.
    @Test func aZip64LocatorInATinyFileIsATypedError() throws {
        let bytes: [UInt8] = [
            0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x4B, 0x06, 0x07, 0x00, 0x00, 0x00, 0x00,
            0x87, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x50, 0x4B, 0x05, 0x06, 0xFF, 0xFF, 0xFF, 0x24,
            0xFF, 0xFF, 0xFF, 0xFF, 0x88, 0x88, 0x7D, 0xFF, 0xFF, 0xFF, 0xFF, 0x22, 0x01, 0x00,
        ]
        let file = bytes.withUnsafeBytes { MappedFile(copying: $0, path: "tiny.zip") }
        #expect { try ZipArchive(file: file) } throws: { caseName(($0 as! ZipError).problem) == "badCentralDirectory" }
    }
}
