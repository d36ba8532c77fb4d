import Foundation
import Tensors

/// A labelled sample of the user's data, for scoring candidates on it: an image folder with one
/// subfolder per class (JPEG or PNG files), or a text file of `label<TAB>text` lines. Class names
/// are sorted; `labels[i]` indexes `classes`.
public struct LabelledSample: Sendable, Equatable {
    public enum Inputs: Sendable, Equatable {
        /// Image file paths.
        case images([String])
        case texts([String])
    }

    public let inputs: Inputs
    public let labels: [Int]
    public let classes: [String]

    public var count: Int { labels.count }

    /// Reads `path` (a folder or a file) and keeps at most `limit` examples, drawn evenly across the
    /// classes in an order shuffled by `SplitMix64(seed:)` (all of them when `limit` is nil).
    /// Throws when the path is missing, holds no examples, or only one class.
    public init(path: String, limit: Int? = nil, seed: UInt64 = 0) throws(LabelledSampleError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw .missing(path) }
        let grouped = isFolder.boolValue ? try Self.imageFolder(path) : try Self.textFile(path)
        let classes = grouped.keys.sorted()
        guard classes.count >= 2 else { throw .singleClass(path: path, label: classes.first) }
        // Shuffle within each class, then deal round-robin so a limit keeps the classes balanced.
        var generator = SplitMix64(seed: seed)
        var queues = classes.map { grouped[$0]!.shuffled(using: &generator) }
        var chosen = [(example: String, label: Int)]()
        let total = queues.reduce(0) { $0 + $1.count }, wanted = min(limit ?? total, total)
        while chosen.count < wanted {
            for label in queues.indices where !queues[label].isEmpty && chosen.count < wanted {
                chosen.append((queues[label].removeFirst(), label))
            }
        }
        inputs = isFolder.boolValue ? .images(chosen.map(\.example)) : .texts(chosen.map(\.example))
        labels = chosen.map(\.label)
        self.classes = classes
    }

    private static func imageFolder(_ path: String) throws(LabelledSampleError) -> [String: [String]] {
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

    private static func textFile(_ path: String) throws(LabelledSampleError) -> [String: [String]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        guard let text = String(data: data, encoding: .utf8) else { throw .malformed(path, line: 0, reason: "not valid UTF-8") }
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

/// Why a labelled sample could not be read.
public enum LabelledSampleError: Error, Equatable, CustomStringConvertible {
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
