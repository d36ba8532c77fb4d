#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The temporary files currently being written, removed if the process is interrupted
/// (SIGINT, SIGTERM, SIGHUP), so an aborted conversion leaves no debris behind.
final class TemporaryFiles: Sendable {
    static let shared = TemporaryFiles()

    private let paths = Mutex<Set<String>>([])
    private let folders = Mutex<Set<String>>([])
    /// Folders created for an output, outermost first: removed (when empty) after the rest.
    private let created = Mutex<[String]>([])

    private init() {
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            Glibc.signal(signal) { received in
                TemporaryFiles.shared.removeAll()
                Glibc.signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    func register(_ path: String) { paths.withLock { _ = $0.insert(path) } }
    func unregister(_ path: String) { paths.withLock { _ = $0.remove(path) } }
    /// A staging folder whose contents are removed with it.
    func registerFolder(_ path: String) { folders.withLock { _ = $0.insert(path) } }
    func unregisterFolder(_ path: String) { folders.withLock { _ = $0.remove(path) } }
    func registerCreated(_ path: String) { created.withLock { $0.append(path) } }
    func unregisterCreated(_ paths: [String]) { created.withLock { $0.removeAll { paths.contains($0) } } }

    private func removeAll() {
        // Best effort from a signal handler: never waits on the lock, and unlink is async-signal-safe.
        _ = paths.withLockIfAvailable { $0.forEach { unlink($0) } }
        _ = folders.withLockIfAvailable { $0.forEach(TemporaryFiles.removeFolder) }
        _ = created.withLockIfAvailable { $0.reversed().forEach { rmdir($0) } }
    }

    /// Removes a folder and what it holds (a staged model folder's files and its module folders).
    static func removeFolder(_ path: String) {
        if let folder = opendir(path) {
            let descriptor = dirfd(folder)
            while let entry = readdir(folder) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != "." && name != ".." else { continue }
                if entry.pointee.d_type == UInt8(DT_DIR) { removeFolder(path + "/" + name) } else { unlinkat(descriptor, name, 0) }
            }
            closedir(folder)
        }
        rmdir(path)
    }
}
