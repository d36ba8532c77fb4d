import Foundation
import Tensors

/// A labelled dataset on disk, grouped by class: an image folder with one subfolder per class
/// (JPEG or PNG files), or a text file of `label<TAB>text` lines. The advisor counts it for the
/// task profile; `LabelledSample` draws a scoring sample from it.
public struct LabelledDataset: Sendable, Equatable {
    public enum Kind: String, Sendable { case images, texts }

    public let kind: Kind
    /// Examples by class name: image paths, or the texts themselves.
    public let examples: [String: [String]]

    /// Class names, sorted.
    public var classes: [String] { examples.keys.sorted() }
    /// Examples per class, in `classes` order.
    public var counts: [Int] { classes.map { examples[$0]!.count } }
    public var total: Int { examples.values.reduce(0) { $0 + $1.count } }

    /// Reads `path`: a folder is read as an image folder, a file as a labelled text file.
    public init(path: String) throws(LabelledDataError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw .missing(path) }
        kind = isFolder.boolValue ? .images : .texts
        examples = isFolder.boolValue ? try Self.imageFolder(path) : try Self.textFile(path)
    }

    private static func imageFolder(_ path: String) throws(LabelledDataError) -> [String: [String]] {
        let manager = FileManager.default
        guard let entries = try? manager.contentsOfDirectory(atPath: path) else { throw .unreadable(path) }
        var grouped = [String: [String]]()
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let folder = path + "/" + entry
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { continue }
            guard let files = try? manager.contentsOfDirectory(atPath: folder) else { throw .unreadable(folder) }
            let images = files.sorted().filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }
            if !images.isEmpty { grouped[entry] = images.map { folder + "/" + $0 } }
        }
        guard !grouped.isEmpty else { throw .empty(path, expected: "one subfolder per class holding .jpg, .jpeg or .png files") }
        return grouped
    }

    private static func textFile(_ path: String) throws(LabelledDataError) -> [String: [String]] {
        guard let bytes = try? RegularFile.read(path) else { throw .unreadable(path) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed(path, line: 0, reason: "not valid UTF-8") }
        var grouped = [String: [String]]()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let tab = line.firstIndex(of: "\t") else { throw .malformed(path, line: index + 1, reason: "no tab between label and text") }
            let label = String(line[..<tab]), example = String(line[line.index(after: tab)...])
            guard !label.isEmpty, !example.isEmpty else { throw .malformed(path, line: index + 1, reason: "empty label or text") }
            grouped[label, default: []].append(example)
        }
        guard !grouped.isEmpty else { throw .empty(path, expected: "label<TAB>text lines") }
        return grouped
    }
}

/// Why a labelled dataset could not be read, or cannot be used.
public enum LabelledDataError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case unreadable(String)
    case empty(String, expected: String)
    case malformed(String, line: Int, reason: String)
    case singleClass(path: String, label: String?)

    public var description: String {
        switch self {
        case .missing(let path): "\(path): no such file or folder"
        case .unreadable(let path): "\(path): cannot be read"
        case let .empty(path, expected): "\(path): no examples found (expected \(expected))"
        case let .malformed(path, line, reason): "\(path):\(line): \(reason) (expected label<TAB>text)"
        case let .singleClass(path, label):
            "\(path): every example is in class '\(label ?? "")': scoring needs at least two classes"
        }
    }
}
