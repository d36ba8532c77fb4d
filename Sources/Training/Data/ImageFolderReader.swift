import Foundation
import Preprocessing

/// Reads an image folder: one subfolder per class holding `.jpg`, `.jpeg` or `.png` files (any
/// case; hidden entries and other files ignored; names sorted), or a folder holding `train/`,
/// optional `val/` (`valid/`, `validation/`) and optional `test/`, each such a folder. Classes come
/// from the training split. Images are listed, not decoded: the loader decodes them, and its errors
/// name the path; `validate(_:skipBad:)` decodes them up front.
public enum ImageFolderReader {
    static let extensions: Set<String> = ["jpg", "jpeg", "png"]
    static let validationNames = ["val", "valid", "validation"]

    /// Whether `path` is a folder with `train/`, `val/`… splits rather than class folders.
    static func hasSplitFolders(_ path: String) -> Bool { isFolder(path + "/train") }

    public static func read(_ path: String, options: DataOptions) throws(DataError) -> DataSplits {
        guard options.kind == .singleLabel else {
            throw .unsuitable(path, reason: "an image folder's classes are single labels; the task kind cannot be \(options.kind.rawValue)")
        }
        var skipped = [SkippedExample]()
        guard hasSplitFolders(path) else {
            if let name = validationNames.first(where: { isFolder(path + "/" + $0) }) {
                throw .empty(path + "/train", expected: "a train/ folder of classes beside \(name)/")
            }
            let train = try split(path, classes: nil, name: nil, options: options, skipped: &skipped)
            return DataSplits(train: train, skipped: skipped, source: "image folder \(path)", modality: .image)
        }
        let train = try split(path + "/train", classes: nil, name: "train/", options: options, skipped: &skipped)
        var names = ["train/"]
        var validation: LabelledExamples?
        if let name = validationNames.first(where: { isFolder(path + "/" + $0) }) {
            validation = try split(path + "/" + name, classes: train.classes, name: name + "/", options: options, skipped: &skipped)
            names.append(name + "/")
        }
        var test: LabelledExamples?
        if isFolder(path + "/test") {
            test = try split(path + "/test", classes: train.classes, name: "test/", options: options, skipped: &skipped)
            names.append("test/")
        }
        return DataSplits(
            train: train, validation: validation, test: test, skipped: skipped,
            source: "image folder \(path) (\(names.joined(separator: ", ")))", modality: .image)
    }

    /// One split's class folders. `classes` nil: this is the training split, its folders are the
    /// classes; else every folder must be one of `classes`.
    static func split(
        _ path: String, classes known: [String]?, name: String?, options: DataOptions, skipped: inout [SkippedExample]
    ) throws(DataError) -> LabelledExamples {
        let folders = try entries(path).filter { isFolder(path + "/" + $0) }
        var listed = [(label: String, files: [String])]()
        for label in folders {
            let folder = path + "/" + label
            if let known, !known.contains(label) { throw .unknownClass(folder, split: name ?? path, label: label) }
            let files = try entries(folder).filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .map { folder + "/" + $0 }.filter { !isFolder($0) }
            if files.isEmpty {
                guard options.skipBad else { throw .emptyClass(folder) }
                skipped.append(SkippedExample(origin: folder, reason: "class folder holds no .jpg, .jpeg or .png files"))
                continue
            }
            listed.append((label, files))
        }
        let classes = known ?? listed.map(\.label)
        if known == nil {
            guard !classes.isEmpty else { throw .empty(path, expected: "one subfolder per class holding .jpg, .jpeg or .png files") }
            guard classes.count >= 2 else { throw .singleClass(path, label: classes[0]) }
        }
        var examples = [Example]()
        for (label, files) in listed {
            let index = classes.firstIndex(of: label)!
            examples += files.map { Example(input: .imageFile($0), target: .label(index), origin: $0) }
        }
        return LabelledExamples(examples: examples, classes: classes)
    }

    /// Decodes every image file of `examples` (JPEG or PNG, as the loader will): an image that does
    /// not decode is an error naming its path, or with `skipBad` is dropped and listed.
    public static func validate(
        _ examples: LabelledExamples, skipBad: Bool = false
    ) throws(DataError) -> (valid: LabelledExamples, skipped: [SkippedExample]) {
        var kept = [Int](), skipped = [SkippedExample]()
        for (index, example) in examples.examples.enumerated() {
            guard case .imageFile(let path) = example.input else { kept.append(index); continue }
            do {
                _ = try RGBImage(contentsOfFile: path)
                kept.append(index)
            } catch {
                let reason = Self.reason(error)
                guard skipBad else { throw .badExample(path, index: nil, reason: reason) }
                skipped.append(SkippedExample(origin: path, reason: reason))
            }
        }
        return (examples.subset(kept), skipped)
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? ImageError {
        case .unknownFormat: "not a JPEG or PNG"
        case .unreadable(_, let reason)?: "cannot be read: \(reason)"
        case .malformed(_, let format, let message)?: "malformed \(format): \(message)"
        case .tooLarge(_, let width, let height)?: "\(width)×\(height) pixels is too large"
        case nil: "\(error)"
        }
    }

    /// Visible entries of a folder, sorted.
    static func entries(_ path: String) throws(DataError) -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted() } catch {
            throw .unreadable(path, reason: "cannot list the folder")
        }
    }

    static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }
}
