import CZlibShim
import Foundation
import Testing
import TestSupport
import Training

/// IDX folders written byte by byte (plain and gzip), broken ones refused at the right byte, and the real Fashion-MNIST.
@Suite struct IDXFolderReaderTests {
    /// An IDX file of unsigned bytes: `00 00 08 <dimensions>`, big-endian sizes, the data.
    static func idx(_ sizes: [Int], _ data: [UInt8], dimensionByte: UInt8? = nil) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 8, dimensionByte ?? UInt8(sizes.count)]
        for size in sizes {
            for shift in [24, 16, 8, 0] { bytes.append(UInt8(truncatingIfNeeded: size >> shift)) }
        }
        return bytes + data
    }

    static func write(_ bytes: [UInt8], to path: String, gzip: Bool = false) throws {
        guard gzip else { return try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        let file = try #require(gzopen(path, "wb"))
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        #expect(written == Int32(bytes.count) && gzclose(file) == Z_OK)
    }

    /// Five 2×3 images whose pixels count up from 10 × image, labels 0 1 2 1 0.
    static let pixels = (0..<5).flatMap { image in (0..<6).map { UInt8(10 * image + $0) } }
    static let labels: [UInt8] = [0, 1, 2, 1, 0]

    static func writeSet(_ folder: String, prefix: String = "train", gzip: Bool) throws {
        let suffix = gzip ? ".gz" : ""
        try write(idx([5, 2, 3], pixels), to: "\(folder)/\(prefix)-images-idx3-ubyte\(suffix)", gzip: gzip)
        try write(idx([5], labels), to: "\(folder)/\(prefix)-labels-idx1-ubyte\(suffix)", gzip: gzip)
    }

    @Test(arguments: [false, true])
    func readsImagesAndLabels(gzip: Bool) throws {
        let folder = try TemporaryFolder()
        try Self.writeSet(folder.path, gzip: gzip)
        let splits = try DataSource.read(folder.path)
        #expect(splits.train.classes == ["0", "1", "2"] && splits.test == nil && splits.modality == .image)
        #expect(splits.train.examples.map(\.target) == Self.labels.map { .label(Int($0)) })
        #expect(splits.train.examples[3].origin == "train-images-idx3-ubyte\(gzip ? ".gz" : "")[3]")
        guard case .greyImage(let set, let index) = splits.train.examples[3].input else { Issue.record("not a grey image"); return }
        #expect(set.count == 5 && set.rows == 2 && set.columns == 3 && index == 3)
        #expect(set.image(index).pixels == [30, 30, 30, 31, 31, 31, 32, 32, 32, 33, 33, 33, 34, 34, 34, 35, 35, 35])
        // Paged from disk, not copied into memory: the file itself, or an unlinked scratch copy of the inflated bytes.
        #expect(set.storage.isMapped)
        let scratch = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("zoo-idx-") }
        #expect(scratch.isEmpty, "no scratch file is left in the temporary folder: \(scratch)")
    }

    @Test func classNamesFromClassesTxtAndATestSplit() throws {
        let folder = try TemporaryFolder()
        try Self.writeSet(folder.path, gzip: true)
        try Self.writeSet(folder.path, prefix: "t10k", gzip: false)
        try "zero\n one \n\ntwo\n".write(toFile: folder.file("classes.txt"), atomically: true, encoding: .utf8)
        let splits = try DataSource.read(folder.path)
        #expect(splits.train.classes == ["zero", "one", "two"] && splits.test?.classes == ["zero", "one", "two"])
        #expect(splits.test?.examples.map(\.target) == Self.labels.map { .label(Int($0)) })
        try "zero\none\n".write(toFile: folder.file("classes.txt"), atomically: true, encoding: .utf8)
        #expect(throws: DataError.corrupt(folder.file("train-labels-idx1-ubyte.gz"), byte: 10, reason: "label 2, but classes.txt names 2 classes")) {
            try DataSource.read(folder.path)
        }
    }

    @Test(arguments: [false, true])
    func aTruncatedFileNamesTheByteWhereItEnds(gzip: Bool) throws {
        let folder = try TemporaryFolder()
        try Self.writeSet(folder.path, gzip: gzip)
        let images = folder.file("train-images-idx3-ubyte" + (gzip ? ".gz" : ""))
        try Self.write(Self.idx([5, 2, 3], Array(Self.pixels.dropLast(4))), to: images, gzip: gzip)
        #expect(throws: DataError.corrupt(images, byte: 16 + 26, reason: "the file ends here, 4 bytes short of the 5×2×3 bytes the header declares")) {
            try DataSource.read(folder.path)
        }
        try Self.write(Array(Self.idx([5, 2, 3], []).prefix(9)), to: images, gzip: gzip)
        #expect(throws: DataError.corrupt(images, byte: 9, reason: "the file ends here, 7 bytes short of the IDX header")) { try DataSource.read(folder.path) }
    }

    @Test func headersThatLieAreRefusedAtTheirByte() throws {
        let folder = try TemporaryFolder()
        try Self.writeSet(folder.path, gzip: false)
        let images = folder.file("train-images-idx3-ubyte")
        // Seven images' worth of bytes declared and present, but five labels.
        try Self.write(Self.idx([7, 2, 3], Self.pixels + [UInt8](repeating: 0, count: 12)), to: images)
        #expect(throws: DataError.corrupt(images, byte: 4, reason: "7 images, but train-labels-idx1-ubyte has 5 labels")) { try DataSource.read(folder.path) }
        try Self.write(Self.idx([5, 2, 3], Self.pixels, dimensionByte: 1), to: images)
        #expect { try DataSource.read(folder.path) } throws: { ($0 as? DataError).map { if case .corrupt(images, 3, _) = $0 { true } else { false } } ?? false }
        // Declares fewer bytes than it holds.
        try Self.write(Self.idx([5, 2, 2], Self.pixels), to: images)
        #expect(throws: DataError.corrupt(images, byte: 36, reason: "data goes on after the 20 bytes the header declares")) { try DataSource.read(folder.path) }
        var notIDX = Self.idx([5, 2, 3], Self.pixels)
        notIDX[0] = 0x1f
        try Self.write(notIDX, to: images)
        #expect { try DataSource.read(folder.path) } throws: { ($0 as? DataError).map { if case .corrupt(images, 0, _) = $0 { true } else { false } } ?? false }
    }

    @Test func aHugeDeclaredSizeIsRefusedBeforeAllocating() throws {
        let folder = try TemporaryFolder()
        try Self.writeSet(folder.path, gzip: false)
        let labels = folder.file("train-labels-idx1-ubyte"), images = folder.file("train-images-idx3-ubyte")
        // 2^32 - 1 labels declared in a 9-byte file: refused from the header (2^31 is the cap), nothing read.
        try Self.write(Self.idx([0xFFFF_FFFF], [1]), to: labels)
        #expect(throws: DataError.corrupt(labels, byte: 4, reason: "the header declares 4294967295 bytes, more than the 2147483648 an IDX file may hold")) {
            try DataSource.read(folder.path)
        }
        try Self.write(Self.idx([5], Self.labels), to: labels)
        // 2049 × 1024 × 1024 = 2^31 + 2^20 bytes: just over the cap.
        try Self.write(Self.idx([2049, 1024, 1024], []), to: images)
        #expect(throws: DataError.corrupt(images, byte: 4, reason: "the header declares 2049×1024×1024 bytes, more than the 2147483648 an IDX file may hold")) {
            try DataSource.read(folder.path)
        }
        // 2047 × 1024 × 1024 bytes (just under the cap) declared by a 16-byte file: the body is read a
        // chunk at a time, so the truncation is found without setting 2 GiB aside.
        try Self.write(Self.idx([2047, 1024, 1024], []), to: images)
        try Self.write(Self.idx([2047], (0..<2047).map { UInt8($0 % 2) }), to: labels)
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        #expect(throws: DataError.corrupt(images, byte: 16, reason: "the file ends here, 2146435072 bytes short of the 2047×1024×1024 bytes the header declares")) {
            try DataSource.read(folder.path)
        }
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        #expect(after.ru_maxrss - before.ru_maxrss < 256 * 1024, "peak resident set grew by \(after.ru_maxrss - before.ru_maxrss) KiB")
        #expect(DataError.corrupt("train-images-idx3-ubyte.gz", byte: 4, reason: "7 images").description == "train-images-idx3-ubyte.gz: byte 4: 7 images")
    }

    @Test func aCorruptGzipStreamIsAnErrorNotACrash() throws {
        let folder = try TemporaryFolder()
        try Self.writeSet(folder.path, gzip: true)
        let images = folder.file("train-images-idx3-ubyte.gz")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: images)))
        for index in 12..<(bytes.count - 8) { bytes[index] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: images))
        #expect { try DataSource.read(folder.path) } throws: { ($0 as? DataError).map { if case .corrupt(images, _, _) = $0 { true } else { false } } ?? false }
    }

    @Test(.enabled(if: RealAssets.exists(RealAssets.fashionMNIST + "/train-images-idx3-ubyte.gz"), "needs Fashion-MNIST in /usr/share/datasets/fashion-mnist"))
    func fashionMNIST() throws {
        let splits = try DataSource.read(RealAssets.fashionMNIST)
        #expect(splits.train.count == 60_000 && splits.test?.count == 10_000)
        #expect(splits.train.classes == (0..<10).map(String.init))
        #expect(ClassBalance(splits.train).counts == [Int](repeating: 6_000, count: 10))
        #expect(ClassBalance(splits.test!).counts == [Int](repeating: 1_000, count: 10))
        guard case .greyImage(let set, _) = splits.train.examples[0].input else { Issue.record("not a grey image"); return }
        #expect(set.rows == 28 && set.columns == 28 && set.storage.bytes.count == 60_000 * 784 && set.storage.isMapped)
        // The first training image is an ankle boot (9); its pixels are not all zero.
        #expect(splits.train.examples[0].target == .label(9) && set.plane(0).contains { $0 > 0 })
    }
}
