#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// The size and modification time of a conversion's source files, taken before it reads them and
/// compared before its output is published: a source truncated or rewritten meanwhile fails the
/// conversion (exit 2) instead of publishing a mix of old and new bytes. (Reading a mapped page a
/// truncation removed is caught by `MappedRegions` as it happens.)
public struct SourceSnapshot {
    private let files: [(path: String, size: Int, modified: timespec)]

    public init(_ paths: [String]) {
        files = paths.compactMap { path in Self.status(path).map { (path, Int($0.st_size), $0.st_mtim) } }
    }

    /// Throws if a file's size or modification time differs from the snapshot's (or it is gone).
    public func checkUnchanged() throws {
        for file in files {
            let now = Self.status(file.path)
            guard let now, Int(now.st_size) == file.size, now.st_mtim.tv_sec == file.modified.tv_sec,
                now.st_mtim.tv_nsec == file.modified.tv_nsec
            else { throw FileError(path: file.path, operation: "read", message: MappedRegions.changed) }
        }
    }

    private static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }
}
