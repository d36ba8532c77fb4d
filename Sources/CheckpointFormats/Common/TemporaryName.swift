#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The name of a hidden temporary file or folder beside an output: `.NAME.zoo-XXXXXX` (a
/// `mkstemp` / `mkdtemp` template), with NAME cut short at a character boundary where needed so
/// the whole name fits in NAME_MAX (255 bytes) whatever the output's own name, which can be as
/// long as NAME_MAX itself.
public enum TemporaryName {
    static let nameMax = 255
    private static let marker = ".zoo-"
    private static let suffix = marker + "XXXXXX"

    /// The template for an output named `name` (its last path component).
    static func template(for name: String) -> String {
        let room = nameMax - 1 - suffix.utf8.count
        var used = 0
        let kept = name.unicodeScalars.prefix(while: { scalar in
            used += UTF8.width(scalar)
            return used <= room
        })
        return "." + String(kept) + suffix
    }

    /// Whether `name` is one of these temporary names (a template with its six characters filled).
    static func isTemporary(_ name: String) -> Bool {
        let bytes = Array(name.utf8), tail = bytes.suffix(suffix.utf8.count)
        return bytes.first == UInt8(ascii: ".") && bytes.count > suffix.utf8.count + 1
            && tail.starts(with: marker.utf8) && tail.dropFirst(marker.utf8.count).allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "/") }
    }

    /// Removes the temporary files and staging folders that a process killed by SIGKILL (which no
    /// handler sees) left in `folder` and the folders under it, as a run folder's resume does
    /// before it writes there again. Symbolic links are never followed. Returns the paths removed.
    @discardableResult
    public static func removeLeftovers(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names.sorted() {
            let path = folder + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            if isTemporary(name) {
                if status.st_mode & S_IFMT == S_IFDIR { TemporaryFiles.removeFolder(path) } else { unlink(path) }
                removed.append(path)
            } else if status.st_mode & S_IFMT == S_IFDIR {
                removed += removeLeftovers(in: path)
            }
        }
        return removed
    }
}
