import CHDF5
@testable import CheckpointFormats
import Foundation
import TestSupport
import Testing

/// Datasets whose raw data lives outside the file (issue 17): HDF5 external storage names any
/// local file, and a virtual dataset draws from other HDF5 files. Both are refused by dataset
/// before a byte of that data is read, by the probe's parse and by the in-process one alike.
@Suite struct HDF5ExternalDataTests {
    enum Storage: String, CaseIterable {
        /// 512 bytes of another local file.
        case external
        /// 3 GiB of `/dev/zero`: refused at once, nothing allocated.
        case externalDevice
        /// `/src` of another HDF5 file.
        case virtual
    }

    @Test(arguments: Storage.allCases)
    func dataInOtherFilesIsRefused(_ storage: Storage) throws {
        let folder = try TemporaryFolder()
        let secret = folder.file("secret.bin")
        try Data(repeating: 0x53, count: 512).write(to: URL(fileURLWithPath: secret))
        let path = folder.file("\(storage).h5")
        try Self.write(storage, to: path, readingFrom: secret, folder: folder)

        // Through the reader (the probe process when it is built, in-process otherwise)…
        do {
            _ = try HDF5Reader(path: path).checksums()
            Issue.record("\(storage) data was read")
        } catch let error as HDF5Error {
            guard case .dataInOtherFiles = error.problem else { Issue.record("\(error)"); return }
            #expect(error.tensor == "w" && error.file == path, "\(error)")
            #expect("\(error)".contains("'w'"), "\(error)")
            if storage == .external { #expect("\(error)".contains(secret), "\(error)") }
        }
        // …and the probe's own parse, run here in-process.
        let report = try JSONDecoder().decode(HDF5ProbeReport.self, from: HDF5Reader.probeReport(path: path))
        guard case .dataInOtherFiles? = report.refusal?.problem else { Issue.record("probe: \(report)"); return }
        #expect(report.listing == nil && report.refusal?.tensor == "w")
    }

    /// A Keras legacy file whose `weight_names` entry reaches, through an external link in its
    /// path, a dataset of another HDF5 file: the scan follows only hard links at every step.
    @Test func aWeightNameThroughAnExternalLinkIsNotFollowed() throws {
        let folder = try TemporaryFolder()
        let other = folder.file("other.h5"), path = folder.file("linked.h5")
        HDF5Library.locked {
            // Chunked, so that following the link would read it through libhdf5.
            let file = H5Fcreate(other, zoo_h5f_acc_trunc(), zoo_h5p_default(), zoo_h5p_default())
            var dims: [hsize_t] = [512]
            let space = H5Screate_simple(1, &dims, nil)
            let creation = H5Pcreate(zoo_h5p_dataset_create())
            H5Pset_chunk(creation, 1, &dims)
            let data = H5Dcreate2(file, "w", zoo_h5t_std_le(0, 1), space, zoo_h5p_default(), creation, zoo_h5p_default())
            H5Pclose(creation)
            #expect(H5Dwrite(data, zoo_h5t_std_le(0, 1), zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), [UInt8](repeating: 0x53, count: 512)) >= 0)
            H5Dclose(data)
            H5Sclose(space)
            H5Fclose(file)
        }
        try HDF5Library.locked {
            let file = H5Fcreate(path, zoo_h5f_acc_trunc(), zoo_h5p_default(), zoo_h5p_default())
            defer { H5Fclose(file) }
            let layer = H5Gcreate2(file, "L", zoo_h5p_default(), zoo_h5p_default(), zoo_h5p_default())
            defer { H5Gclose(layer) }
            #expect(H5Lcreate_external(other, "/", layer, "x", zoo_h5p_default(), zoo_h5p_default()) >= 0)
            try Self.writeStrings(["L"], named: "layer_names", on: file)
            try Self.writeStrings(["x/w"], named: "weight_names", on: layer)
        }
        #expect {
            _ = try HDF5Reader(path: path).checksums()
        } throws: { error in
            guard let error = error as? HDF5Error, case .badKerasLayout = error.problem else { return false }
            return true
        }
    }

    /// A fixed-length string list attribute, as h5py writes Keras's `layer_names`.
    static func writeStrings(_ strings: [String], named name: String, on object: hid_t) throws {
        let width = strings.map(\.utf8.count).max()! + 1
        let type = H5Tcopy(zoo_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, width)
        var dims: [hsize_t] = [hsize_t(strings.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, type, space, zoo_h5p_default(), zoo_h5p_default())
        defer { H5Aclose(attribute) }
        var bytes = [UInt8](repeating: 0, count: width * strings.count)
        for (index, string) in strings.enumerated() { bytes.replaceSubrange(index * width..<index * width + string.utf8.count, with: Array(string.utf8)) }
        #expect(H5Awrite(attribute, type, bytes) >= 0)
    }

    /// `/w`: u8 whose data is `source` (external storage), 3 GiB of `/dev/zero`, or `/src` of an
    /// HDF5 file holding `source`'s bytes (a virtual dataset), written by libhdf5 as h5py would.
    static func write(_ storage: Storage, to path: String, readingFrom source: String, folder: TemporaryFolder) throws {
        try HDF5Library.locked {
            let u8 = zoo_h5t_std_le(0, 1)
            var dims: [hsize_t] = [storage == .externalDevice ? 3 << 30 : 512]
            let space = H5Screate_simple(1, &dims, nil)
            defer { H5Sclose(space) }
            let creation = H5Pcreate(zoo_h5p_dataset_create())
            defer { H5Pclose(creation) }
            switch storage {
            case .external:
                #expect(H5Pset_external(creation, source, 0, 512) >= 0)
            case .externalDevice:
                #expect(H5Pset_external(creation, "/dev/zero", 0, 3 << 30) >= 0)
            case .virtual:
                let other = folder.file("other.h5")
                let file = H5Fcreate(other, zoo_h5f_acc_trunc(), zoo_h5p_default(), zoo_h5p_default())
                let data = H5Dcreate2(file, "src", u8, space, zoo_h5p_default(), zoo_h5p_default(), zoo_h5p_default())
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
                #expect(H5Dwrite(data, u8, zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), bytes) >= 0)
                H5Dclose(data)
                H5Fclose(file)
                #expect(H5Pset_virtual(creation, space, other, "/src", space) >= 0)
            }
            let file = H5Fcreate(path, zoo_h5f_acc_trunc(), zoo_h5p_default(), zoo_h5p_default())
            defer { H5Fclose(file) }
            let dataset = H5Dcreate2(file, "w", u8, space, zoo_h5p_default(), creation, zoo_h5p_default())
            #expect(dataset >= 0)
            H5Dclose(dataset)
        }
    }
}
