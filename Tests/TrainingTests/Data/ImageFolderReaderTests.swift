import Foundation
import Testing
import TestSupport
import Training

/// Image folders: class folders, or train/val/test of class folders, listed (not decoded) in sorted order.
@Suite struct ImageFolderReaderTests {
    static let png = Fixtures.path("images", "rgba_19x11.png")
    static let jpeg = Fixtures.path("images", "rgb_37x23.jpg")

    /// Copies real images into `root/<class>/<name>` for each `(class, name)`.
    static func images(_ files: [(String, String)], in root: String) throws {
        for (label, name) in files {
            try FileManager.default.createDirectory(atPath: root + "/" + label, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: name.lowercased().hasSuffix("png") ? png : jpeg, toPath: root + "/" + label + "/" + name)
        }
    }

    static func paths(_ examples: LabelledExamples) -> [String] {
        examples.examples.map { if case .imageFile(let path) = $0.input { path } else { "?" } }
    }

    @Test func classFoldersAreListedSortedWithHiddenAndOtherFilesLeftOut() throws {
        let folder = try TemporaryFolder()
        let root = folder.file("pets")
        try Self.images([("dog", "b.JPG"), ("dog", "a.png"), ("cat", "z.jpeg"), ("cat", ".hidden.jpg"), ("cat", "notes.txt.png")], in: root)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: root + "/cat/readme.txt"))
        try FileManager.default.createDirectory(atPath: root + "/.cache/x", withIntermediateDirectories: true)
        try Data([1]).write(to: URL(fileURLWithPath: root + "/.cache/x/1.jpg"))
        let splits = try DataSource.read(root)
        #expect(splits.train.classes == ["cat", "dog"])
        #expect(Self.paths(splits.train) == [root + "/cat/notes.txt.png", root + "/cat/z.jpeg", root + "/dog/a.png", root + "/dog/b.JPG"])
        #expect(splits.train.examples.map(\.target) == [.label(0), .label(0), .label(1), .label(1)])
        #expect(splits.train.examples.map(\.origin) == Self.paths(splits.train))
        #expect(splits.validation == nil && splits.test == nil && splits.skipped.isEmpty && splits.modality == .image)
        // Listing only: the images decode when asked.
        let (valid, skipped) = try ImageFolderReader.validate(splits.train)
        #expect(valid.count == 4 && skipped.isEmpty)
    }

    @Test func trainValTestFoldersShareTheTrainingClasses() throws {
        let folder = try TemporaryFolder()
        let root = folder.file("data")
        try Self.images([("owl", "1.jpg"), ("cat", "1.png"), ("cat", "2.jpg")], in: root + "/train")
        try Self.images([("owl", "v.png")], in: root + "/valid")
        try Self.images([("cat", "t.jpg"), ("owl", "t.jpg")], in: root + "/test")
        let splits = try DataSource.read(root)
        #expect(splits.train.classes == ["cat", "owl"] && splits.validation?.classes == ["cat", "owl"] && splits.test?.classes == ["cat", "owl"])
        #expect(splits.train.examples.map(\.target) == [.label(0), .label(0), .label(1)])
        #expect(Self.paths(splits.validation!) == [root + "/valid/owl/v.png"] && splits.validation!.examples[0].target == .label(1))
        #expect(splits.test!.examples.map(\.target) == [.label(0), .label(1)])
        #expect(splits.source == "image folder \(root) (train/, valid/, test/)")
    }

    @Test func aClassOnlyInValidationIsNamed() throws {
        let folder = try TemporaryFolder()
        let root = folder.file("data")
        try Self.images([("cat", "1.png"), ("dog", "1.png")], in: root + "/train")
        try Self.images([("cat", "2.png"), ("zebra", "1.png")], in: root + "/val")
        #expect(throws: DataError.unknownClass(root + "/val/zebra", split: "val/", label: "zebra")) { try DataSource.read(root) }
        try FileManager.default.removeItem(atPath: root + "/train")
        #expect(throws: DataError.empty(root + "/train", expected: "a train/ folder of classes beside val/")) { try DataSource.read(root) }
        #expect(DataError.unknownClass(root + "/val/zebra", split: "val/", label: "zebra").description == "\(root)/val/zebra: label 'zebra' in val/ is not a training class")
    }

    @Test func anEmptyClassFolderIsAnErrorOrSkippedAndReported() throws {
        let folder = try TemporaryFolder()
        let root = folder.file("data")
        try Self.images([("cat", "1.png"), ("dog", "1.png"), ("dog", "2.jpg")], in: root)
        try FileManager.default.createDirectory(atPath: root + "/emu", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/emu/notes.txt"))
        #expect(throws: DataError.emptyClass(root + "/emu")) { try DataSource.read(root) }
        let splits = try DataSource.read(root, options: DataOptions(skipBad: true))
        #expect(splits.train.classes == ["cat", "dog"] && splits.train.count == 3)
        #expect(splits.skipped == [SkippedExample(origin: root + "/emu", reason: "class folder holds no .jpg, .jpeg or .png files")])
    }

    @Test func missingEmptyAndSingleClassFoldersAreRefused() throws {
        let folder = try TemporaryFolder()
        #expect(throws: DataError.missing(folder.file("nothing"))) { try DataSource.read(folder.file("nothing")) }
        #expect(DataError.missing("x").description == "x: no such file or folder")
        try FileManager.default.createDirectory(atPath: folder.file("bare"), withIntermediateDirectories: true)
        #expect { try DataSource.read(folder.file("bare")) } throws: { ($0 as? DataError).map { if case .empty = $0 { true } else { false } } ?? false }
        try Self.images([("cat", "1.png")], in: folder.file("one"))
        #expect(throws: DataError.singleClass(folder.file("one"), label: "cat")) { try DataSource.read(folder.file("one")) }
    }

    @Test func validationDecodesAndNamesAFileThatIsNotAnImage() throws {
        let folder = try TemporaryFolder()
        let root = folder.file("data")
        try Self.images([("cat", "1.png"), ("dog", "1.jpg")], in: root)
        try Data("GIF89a".utf8).write(to: URL(fileURLWithPath: root + "/cat/x.jpg"))
        let splits = try DataSource.read(root)
        #expect(splits.train.count == 3, "reading lists the bad file; it is not decoded")
        #expect(throws: DataError.badExample(root + "/cat/x.jpg", index: nil, reason: "not a JPEG or PNG")) { try ImageFolderReader.validate(splits.train) }
        #expect(DataError.badExample("photos/cat/x.jpg", index: nil, reason: "not a JPEG or PNG").description == "photos/cat/x.jpg: not a JPEG or PNG")
        let (valid, skipped) = try ImageFolderReader.validate(splits.train, skipBad: true)
        #expect(Self.paths(valid) == [root + "/cat/1.png", root + "/dog/1.jpg"] && skipped.map(\.origin) == [root + "/cat/x.jpg"])
    }
}
