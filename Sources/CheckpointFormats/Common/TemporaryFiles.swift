#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Tensors

/// The temporary files currently being written, removed if the process is interrupted
/// (SIGINT, SIGTERM, SIGHUP), so an aborted conversion leaves no debris behind.
final class TemporaryFiles: Sendable {
    static let shared = TemporaryFiles()

    private let paths = Mutex<Set<String>>([])
    private let folders = Mutex<Set<String>>([])
    /// Folders created for an output, outermost first: removed (when empty) after the rest.
    private let created = Mutex<[String]>([])

    private init() {
        // A mapped source truncated while read (SIGBUS): its report removes these files too.
        MappedRegions.cleanup = { TemporaryFiles.shared.removeAll() }
        // Only where the signal's action is the default: a command that handles it itself (zoo
        // finetune checkpoints on SIGINT and SIGTERM, and finishes the file it is writing) keeps
        // its handler, whichever is installed first.
        for signal in [SIGINT, SIGTERM, SIGHUP] where Self.isDefault(signal) {
            Glibc.signal(signal) { received in
                TemporaryFiles.shared.removeAll()
                Glibc.signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    private static func isDefault(_ signal: Int32) -> Bool {
        var current = sigaction()
        return sigaction(signal, nil, &current) == 0 && current.__sigaction_handler.sa_handler == nil
    }

    func register(_ path: String) { paths.withLock { _ = $0.insert(path) } }
    func unregister(_ path: String) { paths.withLock { _ = $0.remove(path) } }
    /// A staging folder, removed with what is in it.
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

    /// Removes a folder and what is in it: files, a staged model folder's module folders
    /// (`1_Pooling/`), and the staging folders of writers that stage inside another's (a sharded
    /// set staged inside `convert --to`'s folder). Each entry is unlinked first and descended into
    /// only when it is a folder (`EISDIR`), so a symbolic link is removed, never followed, and file
    /// systems that report no entry type (`DT_UNKNOWN`) are handled alike.
    static func removeFolder(_ path: String) {
        if let folder = opendir(path) {
            let descriptor = dirfd(folder)
            while let entry = readdir(folder) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != "." && name != ".." else { continue }
                if unlinkat(descriptor, name, 0) != 0 && errno == EISDIR { removeFolder(path + "/" + name) }
            }
            closedir(folder)
        }
        rmdir(path)
    }
}
