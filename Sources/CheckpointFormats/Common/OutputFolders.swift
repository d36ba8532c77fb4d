#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Tensors

/// The folders an output's path names that do not exist yet (`out/` in `out/model.safetensors`):
/// created for the write and removed again when it fails or is interrupted, so a failed
/// conversion leaves nothing behind.
public enum OutputFolders {
    /// Creates the missing folders above `destination`, runs `body`, and removes those folders
    /// again (innermost first) if `body` throws.
    public static func around<T>(_ destination: String, _ body: () throws -> T) throws -> T {
        let created = try createMissing(above: destination)
        defer { TemporaryFiles.shared.unregisterCreated(created) }
        do {
            return try body()
        } catch {
            created.reversed().forEach { rmdir($0) }
            throw error
        }
    }

    /// The missing ancestors of `destination`, outermost first, each created and registered for
    /// removal on a signal.
    private static func createMissing(above destination: String) throws -> [String] {
        var missing: [String] = []
        var folder = URL(fileURLWithPath: destination).deletingLastPathComponent().standardizedFileURL
        while !FileManager.default.fileExists(atPath: folder.path) && folder.path != "/" {
            missing.insert(folder.path, at: 0)
            folder.deleteLastPathComponent()
        }
        var created: [String] = []
        for path in missing {
            // As `mkdir -p` and a published folder (`StagingFolder.publishFolder`): the umask decides.
            guard mkdir(path, 0o777) == 0 else {
                let code = errno
                created.reversed().forEach { rmdir($0) }
                throw FileError(path: path, operation: "create this folder for \(destination)", errno: code, access: .writing)
            }
            created.append(path)
            TemporaryFiles.shared.registerCreated(path)
        }
        return created
    }
}
