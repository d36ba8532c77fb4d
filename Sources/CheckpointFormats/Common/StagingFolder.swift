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
        var template = Array("\(parent)/.\(url.lastPathComponent).zoo-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw FileError(path: destination, operation: "create a staging folder beside", errno: errno, access: .writing)
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        TemporaryFiles.shared.registerFolder(path)
    }

    /// The path of `name` inside the staging folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Moves the staged file `name` onto `destination` (atomic rename), returning `destination`.
    public func publish(_ name: String, to destination: String) throws -> String {
        guard rename(file(name), destination) == 0 else { throw FileError(path: destination, operation: "rename the finished file onto", errno: errno, access: .writing) }
        return destination
    }

    /// Renames the whole staging folder to `destination`, which must not exist.
    public func publishFolder(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw FileError(path: destination, operation: "create the output folder (it exists already) at", errno: EEXIST, access: .writing)
        }
        chmod(path, 0o755)
        guard rename(path, destination) == 0 else { throw FileError(path: destination, operation: "rename the finished folder onto", errno: errno, access: .writing) }
        done = true
        TemporaryFiles.shared.unregisterFolder(path)
    }

    deinit {
        guard !done else { return }
        TemporaryFiles.removeFolder(path)
        TemporaryFiles.shared.unregisterFolder(path)
    }
}
