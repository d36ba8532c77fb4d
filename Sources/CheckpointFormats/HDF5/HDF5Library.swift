import CHDF5
import Foundation

/// Access to libhdf5, which is not thread-safe: every call runs under one process-wide lock, and
/// libhdf5's habit of printing its error stack is replaced by collecting it into zoo's errors.
enum HDF5Library {
    /// File-access properties without libhdf5's file locks. zoo reads snapshots and writes to a
    /// private temporary file, so the locks protect nothing; and a lock travels with any descriptor
    /// a spawned probe inherits, so a file another thread just wrote could not be reopened (EAGAIN).
    static func unlockedFileAccess() -> hid_t {
        let access = H5Pcreate(zoo_h5p_file_access())
        H5Pset_file_locking(access, false, true)
        return access
    }

    private static let lock: NSRecursiveLock = {
        let lock = NSRecursiveLock()
        // No clean-up at exit: after a failed H5Fclose (a full disk while flushing), libhdf5's exit
        // handler closes the file again and crashes (SIGSEGV after zoo's message). zoo closes every
        // file it opens itself; the process's exit frees the rest.
        H5dont_atexit()
        _ = H5open()
        H5Eset_auto2(zoo_h5e_default(), nil, nil)
        return lock
    }()

    /// Runs `body` holding the library lock.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// libhdf5's explanation of the last failure ("function: description; …"), clearing it.
    static func takeErrors() -> String {
        var buffer = [CChar](repeating: 0, count: 2048)
        zoo_h5_take_errors(&buffer, buffer.count)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The outermost entry says what failed, the innermost why; the ones between are plumbing.
        let entries = text.components(separatedBy: "; ")
        if text.isEmpty { return "libhdf5 gave no reason" }
        return entries.count > 2 ? "\(entries.first!) … \(entries.last!)" : text
    }

    /// Access lists (for links, groups, datasets) on which traversing an external link fails
    /// before its file is opened: an external link could make libhdf5 open another file. (Soft
    /// links stay in the file; the scan follows hard links only, step by step.)
    struct HardLinksOnly {
        let links: hid_t, groups: hid_t, datasets: hid_t

        init(in scope: HDF5Scope) {
            func restricted(_ kind: hid_t) -> hid_t {
                let list = scope.own(H5Pcreate(kind), H5Pclose)
                zoo_h5p_refuse_external_links(list)
                return list
            }
            links = restricted(zoo_h5p_link_access())
            groups = restricted(zoo_h5p_group_access())
            datasets = restricted(zoo_h5p_dataset_access())
        }
    }
}

/// The libhdf5 objects one operation opens, closed together (in reverse order) by `close()`,
/// which callers put in a `defer`: ids stay valid for the whole operation, whatever the
/// optimiser does with local lifetimes.
final class HDF5Scope {
    private var owned: [(id: hid_t, close: (hid_t) -> herr_t)] = []

    /// Takes ownership of `id` (a negative id, a failed call, is returned and never closed).
    @discardableResult
    func own(_ id: hid_t, _ close: @escaping (hid_t) -> herr_t) -> hid_t {
        if id >= 0 { owned.append((id, close)) }
        return id
    }

    func close() {
        for object in owned.reversed() { _ = object.close(object.id) }
        owned = []
    }
}

/// An open file kept for an object's lifetime (a reader's or writer's), closed once: by
/// `close()` where the outcome matters (a writer's commit), else when released.
/// A negative id is a failed call; `valid` says which.
final class HDF5Handle {
    private(set) var id: hid_t
    private let closer: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        closer = close
    }

    var valid: Bool { id >= 0 }

    /// Closes now and reports libhdf5's status; the handle is then invalid.
    func close() -> herr_t {
        defer { id = -1 }
        return closer(id)
    }

    deinit {
        if id >= 0 { HDF5Library.locked { _ = closer(id) } }
    }
}
