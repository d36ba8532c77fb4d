#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Tensors

/// A hidden folder beside an output where a multi-step write (several files, or a file checked
/// before it is published) is prepared; `publish` moves the result into place, and a staging
/// folder dropped or interrupted (SIGINT/SIGTERM/SIGHUP) is removed, so the destination never
/// holds a partial result.
public final class StagingFolder {
    public let path: String
    private var done = false

    public init(beside destination: String) throws {
        let url = URL(fileURLWithPath: destination)
        let parent = url.deletingLastPathComponent().path
        var template = Array("\(parent)/\(TemporaryName.template(for: url.lastPathComponent))".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw FileError(path: destination, operation: "create a staging folder beside", errno: errno, access: .writing)
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        TemporaryFiles.shared.registerFolder(path)
    }

    /// The path of `name` inside the staging folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Publishes a set of staged files, each staged under its destination's file name: `files`
    /// first, then `index` (a file naming the others), so a reader never sees an index whose files
    /// are not all there. A file already at `index` is removed before anything is moved: from then
    /// until the new index lands no index is visible, rather than an old index over a mix of old
    /// and new files. With an index, the destination folder is synced after each step, so the
    /// steps reach the disk in this order too. If a move fails, the files of this set already moved
    /// are removed again. Each file gets the permission bits of the regular file it replaces (else
    /// 0666 less the umask).
    @discardableResult
    public func publish(_ files: [String], index: String? = nil) throws -> [String] {
        var moved: [String] = []
        do {
            if let index {
                guard unlink(index) == 0 || errno == ENOENT else {
                    throw FileError(path: index, operation: "remove the previous index", errno: errno, access: .writing)
                }
                Self.syncFolder(of: index)
            }
            for destination in files {
                try move(destination)
                moved.append(destination)
            }
            if let index {
                Self.syncFolder(of: index)
                try move(index)
                moved.append(index)
                Self.syncFolder(of: index)
            }
        } catch {
            moved.forEach { unlink($0) }
            throw error
        }
        remove()
        return moved
    }

    /// Flushes the folder holding `path` (its names) to disk; best effort, as not every file
    /// system can sync a folder.
    private static func syncFolder(of path: String) {
        let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        guard folder >= 0 else { return }
        fsync(folder)
        close(folder)
    }

    /// Renames the staged file named as `destination` is onto `destination`.
    private func move(_ destination: String) throws {
        let staged = file(URL(fileURLWithPath: destination).lastPathComponent)
        guard chmod(staged, OutputPath.mode(publishingAt: destination)) == 0 else {
            throw FileError(path: staged, operation: "set the permissions of", errno: errno, access: .writing)
        }
        guard rename(staged, destination) == 0 else {
            throw FileError(path: destination, operation: "rename the finished file onto", errno: errno, access: .writing)
        }
    }

    /// Renames the whole staging folder to `destination`, which must not exist.
    public func publishFolder(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw FileError(path: destination, operation: "create the output folder (it exists already) at", errno: EEXIST, access: .writing)
        }
        chmod(path, 0o777 & ~OutputPath.processUmask)
        guard rename(path, destination) == 0 else { throw FileError(path: destination, operation: "rename the finished folder onto", errno: errno, access: .writing) }
        done = true
        TemporaryFiles.shared.unregisterFolder(path)
    }

    /// Removes the folder and what is left in it (once, by a publish or when dropped).
    private func remove() {
        guard !done else { return }
        done = true
        TemporaryFiles.removeFolder(path)
        TemporaryFiles.shared.unregisterFolder(path)
    }

    deinit { remove() }
}
