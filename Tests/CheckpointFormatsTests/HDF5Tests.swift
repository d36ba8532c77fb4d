import CHDF5
@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// HDF5 files written by h5py and Keras 3 (formats/hdf5, generate.py), read through libhdf5;
/// zoo's own .h5 / .weights.h5 output read back; malformed files.
@Suite struct HDF5Tests {
    nonisolated(unsafe) static let expected = (try! Fixtures.json("hdf5", "expected.json") as! [String: Any])["files"] as! [String: [String: Any]]

    @Test(arguments: ["plain_all_dtypes.h5", "keras_legacy_weights.h5", "keras_legacy_model.h5", "keras_legacy_tf2_style.h5", "keras3.weights.h5"])
    func readsWhatH5pyAndKerasWrote(_ name: String) throws {
        let entry = Self.expected[name]!
        let reader = try HDF5Reader(path: Fixtures.path("hdf5", name))
        #expect(reader.layout.rawValue == entry["layout"] as? String)
        #expect(reader.tensors.map(\.name) == entry["order"] as! [String])
        let tensors = entry["tensors"] as! [String: [String: Any]]
        #expect(try mismatches(reader, expected: tensors) == [])
        for info in reader.tensors {
            let want = tensors[info.name]!, got = reader.entries[info.name]!
            #expect(got.hdf5Path == want["hdf5_path"] as? String, "\(info.name)")
            #expect(got.kerasLayer == want["keras_layer"] as? String && got.kerasWeight == want["keras_weight"] as? String, "\(info.name)")
            #expect(reader.role(of: info.name).rawValue == want["role"] as? String, "\(info.name)")
            // Contiguous little-endian data is a view of the mapped file; the rest is read by libhdf5.
            let inPlace = want["chunked"] as? Bool == false && (want["filters"] as! [Any]).isEmpty && want["byte_order"] as? String != ">"
                && info.byteCount > 0
            #expect(try reader.tensor(named: info.name).storage.isMapped == inPlace, "\(info.name)")
        }
        let skipped = entry["skipped"] as! [String]
        #expect(skipped.allSatisfy { name in reader.warnings.contains { $0.contains("'\(name)'") } })
    }

    /// zoo's writers, fed every fixture: reading their output gives the same names, in order, and
    /// the same bytes. (`make interop` checks that Keras's load_weights and h5py read it too.)
    @Test(arguments: ["plain_all_dtypes.h5", "keras_legacy_model.h5", "keras_legacy_tf2_style.h5", "keras3.weights.h5"])
    func writerOutputReadsBackIdentically(_ name: String) throws {
        let folder = try TemporaryFolder()
        let source = try HDF5Reader(path: Fixtures.path("hdf5", name))
        for (format, layout) in [(OutputFormat.kerasH5, HDF5Reader.Layout.kerasLegacy), (.kerasWeights, .plain)] {
            let output = folder.file("out-\(format.rawValue)" + format.extensions[0])
            _ = try CheckpointConversion.run(source, to: output, options: ConversionOptions(format: format))
            let copy = try HDF5Reader(path: output)
            let wantLayout = layout == .plain && name == "keras3.weights.h5" ? .keras3 : layout
            #expect(copy.layout == wantLayout, "\(format)")
            // The legacy layout keeps the source's order; a .weights.h5 is listed in path order.
            if wantLayout == .kerasLegacy { #expect(copy.tensors == source.tensors, "\(format)") }
            #expect(try Self.contents(copy) == Self.contents(source), "\(format)")
            if format == .kerasH5 {
                #expect(copy.metadata["keras_version"] == (source.metadata["keras_version"] ?? "2.0.0"))
                #expect(copy.tensors.allSatisfy { copy.entries[$0.name]!.kerasLayer == KerasNaming.layer(of: $0.name) })
            }
        }
    }

    /// --compress: every dataset with data is chunked and gzipped, so libhdf5 decodes it (nothing
    /// maps in place), and the bytes come back the same.
    @Test func compressedOutputReadsBackIdentically() throws {
        let folder = try TemporaryFolder()
        let source = try HDF5Reader(path: Fixtures.path("hdf5", "plain_all_dtypes.h5"))
        _ = try CheckpointConversion.run(source, to: folder.file("z.h5"), options: ConversionOptions(format: .kerasH5, compress: true))
        let copy = try HDF5Reader(path: folder.file("z.h5"))
        #expect(try Self.contents(copy) == Self.contents(source))
        #expect(copy.tensors.allSatisfy { $0.byteCount == 0 || $0.shape.rank == 0 || copy.entries[$0.name]!.mapped == nil })
    }

    /// name → dtype, shape and CRC-32 of every tensor.
    static func contents(_ reader: CheckpointReader) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try zip(reader.tensors, reader.checksums()).map { ($0.name, "\($0.dtype) \($0.shape) \($1)") })
    }

    @Test func writerSplitsLongNameListsAsKerasDoes() throws {
        let folder = try TemporaryFolder()
        // 3,000 layers with 40-byte names: 120 kB of layer_names, over Keras's 64,512-byte limit.
        let tensors = (0..<3000).map { TensorInfo(name: String(format: "layer_%034d/kernel", $0), dtype: .f32, shape: [1]) }
        let writer = try HDF5Writer(path: folder.file("many.h5"), tensors: tensors, metadata: [:], layout: .kerasLegacy)
        for _ in tensors { try writer.append(Tensor([Float(1)], dtype: .f32, shape: [1])) }
        _ = try writer.commit()
        let reader = try HDF5Reader(path: folder.file("many.h5"))
        #expect(reader.tensors.map(\.name) == tensors.map(\.name))
        HDF5Library.locked {
            let file = H5Fopen(folder.file("many.h5"), zoo_h5f_acc_rdonly(), zoo_h5p_default())
            defer { H5Fclose(file) }
            #expect(H5Aexists(file, "layer_names0") > 0 && H5Aexists(file, "layer_names1") > 0 && H5Aexists(file, "layer_names") == 0)
        }
    }

    /// A hard link from a group back to itself: every dataset is listed once and the scan ends.
    @Test func aLinkCycleIsListedOnce() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("cycle.h5")
        let writer = try HDF5Writer(path: path, tensors: [TensorInfo(name: "a/x", dtype: .f32, shape: [2])], metadata: [:], layout: .paths)
        try writer.append(Tensor([Float(1), 2], dtype: .f32, shape: [2]))
        _ = try writer.commit()
        HDF5Library.locked {
            let file = H5Fopen(path, zoo_h5f_acc_rdwr(), zoo_h5p_default())
            defer { H5Fclose(file) }
            #expect(H5Lcreate_hard(file, "a", file, "a/loop", zoo_h5p_default(), zoo_h5p_default()) >= 0)
        }
        let reader = try HDF5Reader(path: path)
        #expect(reader.tensors.map(\.name) == ["a/x"])
    }

    @Test func writerRefusesWhatHDF5CannotHold() throws {
        let folder = try TemporaryFolder()
        let cases: [[TensorInfo]] = [
            [TensorInfo(name: "x", dtype: .bf16, shape: [2])],
            [TensorInfo(name: "a", dtype: .f32, shape: [1]), TensorInfo(name: "a/b", dtype: .f32, shape: [1])],
            [TensorInfo(name: "a//b", dtype: .f32, shape: [1])],
        ]
        for tensors in cases {
            #expect(throws: CheckpointError.self) { _ = try HDF5Writer(path: folder.file("x.weights.h5"), tensors: tensors, metadata: [:], layout: .paths) }
        }
        #expect(try folder.contents() == [])
    }

    @Test(arguments: try! MalformedCase.load("hdf5"))
    func malformedFilesGiveTypedErrors(_ malformed: MalformedCase) throws {
        let path = Fixtures.path("hdf5", "malformed/" + malformed.file)
        if malformed.problem == "unknownFormat" {
            // Bytes alone: (zoo would go by the .h5 name and let libhdf5 explain instead.)
            #expect(throws: CheckpointError.self) { try FormatDetector.detect(MappedFile(path: path)) }
            return
        }
        do {
            _ = try Checkpoint.open(path).checksums()
            Issue.record("\(malformed.file) read without error; expected \(malformed.problem) (\(malformed.note))")
        } catch let error as HDF5Error {
            #expect(caseName(error.problem) == malformed.problem, "\(malformed.file): \(error)")
            if let tensor = malformed.tensor { #expect(error.tensor == tensor, "\(malformed.file): \(error)") }
            if let offset = malformed.offset, case .dataOutsideFile(let address, _, _) = error.problem {
                #expect(address == offset, "\(malformed.file): \(error)")
            }
        }
    }
}
