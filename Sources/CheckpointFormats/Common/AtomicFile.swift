#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensors

/// An output file written under a temporary name (`TemporaryName`) in its destination folder and
/// renamed into place by `commit()`, so readers never see a half-written file (and a symbolic link or device
/// node at the destination is replaced, never written through). Dropped without a commit (an
/// error, a thrown conversion), the temporary file is removed; on SIGINT/SIGTERM it is removed
/// by `TemporaryFiles`.
public final class AtomicFile {
    public let destination: String
    let temporaryPath: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    /// Bytes written so far (including those still buffered).
    public private(set) var position = 0
    private var committed = false

    private static let bufferSize = 1 << 20

    public init(destination: String) throws {
        self.destination = destination
        let slash = destination.lastIndex(of: "/")
        let folder = slash.map { String(destination[...$0]) } ?? ""
        let name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        var template = Array((folder + TemporaryName.template(for: name)).utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(path: destination, operation: "create a temporary file beside", errno: errno, access: .writing) }
        // Close-on-exec (mkostemp is not visible from Swift's Glibc): a process zoo, or a test
        // running it, spawns meanwhile must not keep the file open for writing, which would also
        // make a written executable fail with ETXTBSY.
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        temporaryPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 64)
        TemporaryFiles.shared.register(temporaryPath)
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

    /// Writes a small file atomically in one call.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try AtomicFile(destination: path)
        try file.write(bytes)
        try file.commit()
    }

    /// Flushes, syncs and renames the temporary file onto the destination. The file gets the
    /// permission bits of the regular file it replaces, or 0666 less the umask when it is new
    /// (while written, only the owner can read it).
    public func commit() throws {
        try flush()
        guard fchmod(fd, OutputPath.mode(publishingAt: destination)) == 0 else {
            throw FileError(path: destination, operation: "set the permissions of", errno: errno, access: .writing)
        }
        guard fsync(fd) == 0 else { throw FileError(path: destination, operation: "sync", errno: errno, access: .writing) }
        close(fd)
        fd = -1
        guard rename(temporaryPath, destination) == 0 else {
            throw FileError(path: destination, operation: "rename the finished file onto", errno: errno, access: .writing)
        }
        committed = true
        TemporaryFiles.shared.unregister(temporaryPath)
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
        if !committed {
            unlink(temporaryPath)
            TemporaryFiles.shared.unregister(temporaryPath)
        }
    }
}
