import Foundation

/// A Hugging Face Hub cache laid out as `huggingface_hub` writes it, built from local files:
/// `models--ORG--NAME/blobs/` (here, symlinks to the files), `refs/REF` holding a commit hash, and
/// `snapshots/HASH/FILE` symlinks into `../../blobs/`.
public struct HubCacheFolder {
    public let cache: String
    public static let revision = "8b3219a92973c328a8e22fadcfa821b5dc75636a"

    public init(in folder: String) { cache = folder }

    /// The repository folder of `id`.
    public func repository(_ id: String) -> String { cache + "/models--" + id.replacingOccurrences(of: "/", with: "--") }

    /// Adds `id` at `ref` with `files` (name → path of the content; a name may lie in a subfolder,
    /// `1_Pooling/config.json`); returns the snapshot folder.
    @discardableResult
    public func add(_ id: String, files: [String: String], ref: String = "main", revision: String = revision) throws -> String {
        let manager = FileManager.default, repository = repository(id)
        let snapshot = repository + "/snapshots/" + revision
        for folder in [repository + "/blobs", snapshot, repository + "/refs"] { try manager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for (name, source) in files {
            let blob = String(name.unicodeScalars.map { String(format: "%02x", $0.value) }.joined().prefix(40))
            try? manager.createSymbolicLink(atPath: repository + "/blobs/" + blob, withDestinationPath: source)
            let depth = name.split(separator: "/").count - 1
            if depth > 0 { try manager.createDirectory(atPath: snapshot + "/" + name.split(separator: "/").dropLast().joined(separator: "/"), withIntermediateDirectories: true) }
            try manager.createSymbolicLink(atPath: snapshot + "/" + name, withDestinationPath: String(repeating: "../", count: depth + 2) + "blobs/" + blob)
        }
        try (revision + "\n").write(toFile: repository + "/refs/" + ref, atomically: true, encoding: .utf8)
        return snapshot
    }
}
