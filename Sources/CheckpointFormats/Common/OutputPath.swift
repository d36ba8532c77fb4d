#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What zoo finds at a path it is about to publish a file at, looked at without following a
/// symbolic link there (`rename` replaces the name itself, never what a link points to).
enum OutputPath {
    /// Nothing there yet, a regular file (replaced keeping its permission bits), something
    /// `rename` would silently swap for a regular file, or a folder (which no file replaces).
    enum Existing: Equatable {
        case none
        case regular(mode: mode_t)
        case special(String)
        case folder
    }

    static func existing(_ path: String) -> Existing {
        var status = stat()
        guard lstat(path, &status) == 0 else { return .none }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regular(mode: status.st_mode & 0o777)
        case S_IFDIR: return .folder
        case S_IFLNK: return .special("a symbolic link")
        case S_IFCHR: return .special("a character device")
        case S_IFBLK: return .special("a block device")
        case S_IFIFO: return .special("a FIFO")
        case S_IFSOCK: return .special("a socket")
        default: return .special("a special file")
        }
    }

    /// Refuses to publish over a symbolic link, device node, FIFO or socket unless `replacingSpecial`
    /// (then the name itself is replaced, and nothing it points to is opened or written).
    static func refuseSpecial(_ paths: [String], replacingSpecial: Bool) throws {
        guard !replacingSpecial else { return }
        for path in paths {
            if case .special(let kind) = existing(path) { throw CheckpointError.specialOutput(file: path, kind: kind) }
        }
    }

    /// The permission bits a file published at `path` gets: those of the regular file it replaces,
    /// else what any new file gets, 0666 less the process's umask.
    static func mode(publishingAt path: String) -> mode_t {
        if case .regular(let mode) = existing(path) { return mode }
        return 0o666 & ~processUmask
    }

    /// The process's umask (read once; Linux reports it in /proc/self/status, elsewhere it is set
    /// back at once after reading it).
    static let processUmask: mode_t = {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
           let value = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) {
            return value
        }
        let mask = umask(0o022)
        umask(mask)
        return mask
    }()

    /// (device, inode) of the file at `path`, or nil when there is none. An output is looked at
    /// without following a link at its last component (publishing replaces the link); a source
    /// following it (reading did).
    static func identity(_ path: String, followingLink: Bool) -> FileIdentity? {
        var status = stat()
        guard (followingLink ? stat(path, &status) : lstat(path, &status)) == 0 else { return nil }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}

/// A file's identity on this machine: two paths name the same file (a hard link, a bind mount, a
/// symbolic link, `..`) exactly when these agree.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64
}
