import ArgumentParser
import Foundation

/// Candidates given as files (`zoo score --model`, `--features`): told apart by path, so two runs'
/// `model.safetensors` are two candidates, and the same file given twice is a usage error.
enum CandidatePaths {
    /// Throws a usage error naming `option` when two of `paths` are the same file (after `.`, `..`
    /// and symbolic links are resolved).
    static func requireDistinct(_ paths: [String], option: String) throws {
        var seen: [String: String] = [:]
        for path in paths {
            let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if let earlier = seen[resolved] {
                throw ValidationError("\(option) \(earlier) and \(option) \(path) are the same file: give each candidate once")
            }
            seen[resolved] = path
        }
    }

    /// The shortest trailing part of each path (the file name, then its parent folder and the file
    /// name, …) that no other path ends with: `runA/model.safetensors`, `runB/model.safetensors`.
    static func shortNames(_ paths: [String]) -> [String] {
        let parts = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.pathComponents }
        return parts.map { components in
            let tails = (1...max(components.count, 1)).map { components.suffix($0) }
            let unique = tails.first { tail in parts.filter { $0.suffix(tail.count) == tail }.count == 1 } ?? tails.last!
            return NSString.path(withComponents: Array(unique))
        }
    }
}
