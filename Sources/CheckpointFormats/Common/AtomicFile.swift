#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensors

/// An output file written in its destination folder out of sight and renamed into place by
/// `commit()`, so readers never see a half-written file (and a symbolic link or device node at the
/// destination is replaced, never written through). On Linux the bytes go to an unnamed file
/// (`O_TMPFILE`), given a name only once synced: a process killed meanwhile, even by SIGKILL,
/// leaves nothing behind. Elsewhere, on file systems without unnamed files, and for a library
/// that opens the file by path (`named`), they go to a hidden temporary file (`TemporaryName`).
/// Dropped without a commit (an error, a thrown conversion), the temporary file is removed; on
/// SIGINT/SIGTERM it is removed by `TemporaryFiles`; after SIGKILL, `TemporaryName.removeLeftovers`
/// finds it.
public final class AtomicFile {
    public let destination: String
    /// The hidden temporary file's path; nil while the bytes are in an unnamed file.
    let temporaryPath: String?
    private let folder: String
    private let name: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    /// Bytes written so far (including those still buffered).
    public private(set) var position = 0
    private var committed = false

    private static let bufferSize = 1 << 20

    /// `named`: the bytes go to a hidden file with a path (`temporaryPath`), for a library that
    /// opens the file itself.
    public init(destination: String, named: Bool = false) throws {
        self.destination = destination
        let slash = destination.lastIndex(of: "/")
        folder = slash.map { String(destination[...$0]) } ?? ""
        name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        if !named, let unnamed = Self.openUnnamed(in: folder) {
            fd = unnamed
            temporaryPath = nil
        } else {
            (fd, temporaryPath) = try Self.createTemporary(folder: folder, name: name, destination: destination)
        }
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    /// A hidden `TemporaryName` file beside the destination, registered with `TemporaryFiles`.
    private static func createTemporary(folder: String, name: String, destination: String) throws -> (Int32, String) {
        var template = Array((folder + TemporaryName.template(for: name)).utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(path: destination, operation: "create a temporary file beside", errno: errno, access: .writing) }
        // Close-on-exec (mkostemp is not visible from Swift's Glibc): a process zoo, or a test
        // running it, spawns meanwhile must not keep the file open for writing, which would also
        // make a written executable fail with ETXTBSY.
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        TemporaryFiles.shared.register(path)
        return (fd, path)
    }

    /// An unnamed file in `folder` (Linux `O_TMPFILE`), or nil where the kernel or file system has
    /// none, or where /proc (through which `commit` names it) is not mounted.
    private static func openUnnamed(in folder: String) -> Int32? {
#if os(Linux)
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; Swift's Glibc does not import it. __O_TMPFILE is
        // 0o20000000 on every architecture Swift runs on (it differs only on alpha, parisc, sparc).
        let unnamedFile: Int32 = 0o20000000 | O_DIRECTORY
        guard access("/proc/self/fd", X_OK) == 0 else { return nil }
        let fd = open(folder.isEmpty ? "." : folder, unnamedFile | O_RDWR | O_CLOEXEC, 0o600)
        return fd >= 0 ? fd : nil
#else
        return nil
#endif
    }

    /// Appends `bytes`; large writes bypass the buffer.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffered + bytes.count > buffer.count { try flush() }
        if bytes.count >= buffer.count {
            try writeFully(bytes)
        } else if bytes.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered..<buffered + bytes.count]).copyMemory(from: bytes)
            buffered += bytes.count
        }
        position += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (raw) throws in try write(raw) }
    }

    /// Overwrites bytes already written at `offset` (e.g. a size or CRC known only afterwards).
    public func patch(at offset: Int, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try patch(at: offset, $0) }
    }

    /// Overwrites bytes already written (or reserved) at `offset`.
    public func patch(at offset: Int, _ bytes: UnsafeRawBufferPointer) throws {
        precondition(offset + bytes.count <= position, "patch beyond the written data")
        try flush()
        var done = 0
        while done < bytes.count {
            let written = pwrite(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30), off_t(offset + done))
            guard written > 0 else { throw FileError(path: destination, operation: "write", errno: errno, access: .writing) }
            done += written
        }
    }

    /// Extends the file by `count` zero bytes without writing them (a sparse hole where the file
    /// system allows), for `patch` to fill in any order.
    public func reserve(_ count: Int) throws {
        try flush()
        guard ftruncate(fd, off_t(position + count)) == 0, lseek(fd, off_t(position + count), SEEK_SET) >= 0 else {
            throw FileError(path: destination, operation: "extend", errno: errno, access: .writing)
        }
        position += count
    }

    /// Writes a small file atomically in one call; `executable` adds execute permission wherever read permission is given (a script).
    public static func write(_ bytes: [UInt8], to path: String, executable: Bool = false) throws {
        let file = try AtomicFile(destination: path)
        try file.write(bytes)
        try file.commit(executable: executable)
    }

    /// Flushes, syncs and renames the temporary file onto the destination. The file gets the
    /// permission bits of the regular file it replaces, or 0666 less the umask when it is new
    /// (while written, only the owner can read it).
    public func commit() throws { try commit(executable: false) }

    private func commit(executable: Bool) throws {
        try flush()
        let mode = OutputPath.mode(publishingAt: destination)
        guard fchmod(fd, executable ? mode | (mode & 0o444) >> 2 : mode) == 0 else {
            throw FileError(path: destination, operation: "set the permissions of", errno: errno, access: .writing)
        }
        guard fsync(fd) == 0 else { throw FileError(path: destination, operation: "sync", errno: errno, access: .writing) }
        let named = try temporaryPath ?? linkUnnamed()
        close(fd)
        fd = -1
        guard rename(named, destination) == 0 else {
            let error = errno
            if temporaryPath == nil {
                unlink(named)
                TemporaryFiles.shared.unregister(named)
            }
            throw FileError(path: destination, operation: "rename the finished file onto", errno: error, access: .writing)
        }
        committed = true
        TemporaryFiles.shared.unregister(named)
    }

    /// Gives the finished unnamed file a hidden temporary name (for `commit` to rename onto the
    /// destination, which replaces whatever is there in one step); the name exists only for that
    /// moment, registered with `TemporaryFiles`.
    private func linkUnnamed() throws -> String {
        let template = TemporaryName.template(for: name)
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        while true {
            let path = folder + template.dropLast(6) + String((0..<6).map { _ in letters.randomElement()! })
            TemporaryFiles.shared.register(path)
            if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return path }
            let error = errno
            TemporaryFiles.shared.unregister(path)
            guard error == EEXIST else { throw FileError(path: destination, operation: "name the finished file beside", errno: error, access: .writing) }
        }
    }

    private func flush() throws {
        guard buffered > 0 else { return }
        try writeFully(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        buffered = 0
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            let written = Glibc.write(fd, bytes.baseAddress! + offset, chunk)
            if written < 0 {
                if errno == EINTR { continue }
                // EFAULT: the bytes came from a mapped source whose file was truncated meanwhile.
                if errno == EFAULT, let source = MappedRegions.path(containing: bytes.baseAddress! + offset) {
                    throw FileError(path: source, operation: "read", message: MappedRegions.changed)
                }
                throw FileError(path: destination, operation: "write", errno: errno, access: .writing)
            }
            offset += written
        }
    }

    deinit {
        buffer.deallocate()
        if fd >= 0 { close(fd) }
        if !committed, let temporaryPath {
            unlink(temporaryPath)
            TemporaryFiles.shared.unregister(temporaryPath)
        }
    }
}
