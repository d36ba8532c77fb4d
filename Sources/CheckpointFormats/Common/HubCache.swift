import Foundation
import Tensors

/// The Hugging Face Hub's local cache, as `huggingface_hub` lays it out: a `models--ORG--NAME`
/// folder per repository, holding `refs/REF` (a commit hash) and `snapshots/HASH/` (the files,
/// symlinks into `blobs/`). zoo reads what is there and downloads nothing.
public enum HubCache {
    /// The cache folder: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
    public static func folder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let hub = environment["HF_HUB_CACHE"], !hub.isEmpty { return hub }
        if let home = environment["HF_HOME"], !home.isEmpty { return home + "/hub" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/huggingface/hub"
    }

    /// Whether `path` reads as a Hub id, `ORG/NAME` (letters, digits, `-`, `_`, `.`).
    public static func isHubID(_ path: String) -> Bool {
        path.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$"#, options: .regularExpression) != nil
    }

    /// Whether `folder` is a cached repository: named `models--…`, with `refs/` and `snapshots/`.
    public static func isRepository(_ folder: String) -> Bool {
        let url = URL(fileURLWithPath: folder)
        return url.standardizedFileURL.lastPathComponent.hasPrefix("models--")
            && ["refs", "snapshots"].allSatisfy { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }
    }

    /// The snapshot folder of the Hub id `id` in the cache at `cache`.
    public static func snapshot(forID id: String, cache: String = folder()) throws(HubCacheError) -> String {
        let repository = cache + "/models--" + id.replacingOccurrences(of: "/", with: "--")
        guard isRepository(repository) else { throw HubCacheError(path: id, reason: "no such file, and not in the local Hugging Face cache (looked for \(repository); set HF_HUB_CACHE or HF_HOME to use another cache); zoo downloads nothing") }
        return try snapshot(ofRepository: repository)
    }

    /// The snapshot a cached repository's current ref names: `refs/main`, or its only ref.
    public static func snapshot(ofRepository repository: String) throws(HubCacheError) -> String {
        let refsFolder = repository + "/refs"
        let refs = ((try? FileManager.default.subpathsOfDirectory(atPath: refsFolder)) ?? [])
            .filter { !Self.isDirectory(refsFolder + "/" + $0) }.sorted()
        guard let ref = refs.contains("main") ? "main" : (refs.count == 1 ? refs[0] : nil) else {
            throw HubCacheError(path: repository, reason: refs.isEmpty ? "refs/ names no revision" : "refs/ has \(refs.joined(separator: ", ")) but no main: give the snapshots/ folder to open")
        }
        guard let bytes = try? RegularFile.read(refsFolder + "/" + ref), let text = String(validating: bytes, as: UTF8.self) else {
            throw HubCacheError(path: repository, reason: "refs/\(ref) cannot be read")
        }
        let snapshot = repository + "/snapshots/" + text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.isDirectory(snapshot) else { throw HubCacheError(path: repository, reason: "refs/\(ref) names \(snapshot), which is not there") }
        return snapshot
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// A Hub id that is not in the local cache, or a cached repository whose ref leads nowhere.
public struct HubCacheError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
