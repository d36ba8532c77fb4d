#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, lazily paged memory map of a whole file. Tensors read from a mapped file keep it
/// alive and point into it without copying.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    /// False for anonymous maps holding a copy of in-memory bytes.
    public let isFileBacked: Bool

    /// Maps `path`. An empty file maps to an empty buffer.
    public init(path: String) throws(FileError) {
        let (fd, size) = try RegularFile.open(path)
        defer { close(fd) }
        (self.path, isFileBacked, bytes) = (path, true, try Self.map(fd, size: size, path: path))
    }

    /// Maps the first `size` bytes of the open file `descriptor` (which stays open; the caller
    /// closes it), named `path` in errors: for a file already unlinked, such as a scratch copy.
    public init(descriptor fd: Int32, size: Int, path: String) throws(FileError) {
        (self.path, isFileBacked, bytes) = (path, true, try Self.map(fd, size: size, path: path))
    }

    /// A private read-only mapping of `size` bytes of `fd` (empty for 0), registered with `MappedRegions`.
    private static func map(_ fd: Int32, size: Int, path: String) throws(FileError) -> UnsafeRawBufferPointer {
        guard size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw FileError(path: path, operation: "mmap", errno: errno)
        }
        let bytes = UnsafeRawBufferPointer(start: address, count: size)
        MappedRegions.register(bytes, path: path)
        return bytes
    }

    /// An anonymous mapping holding a copy of `contents`, read exactly like a file called `path`
    /// (for parsing bytes that are already in memory: fuzzers, tests, network buffers).
    public init(copying contents: UnsafeRawBufferPointer, path: String) {
        self.path = path
        isFileBacked = false
        guard contents.count > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, contents.count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let address, address != MAP_FAILED else { fatalError("out of memory mapping \(contents.count) bytes") }
        address.copyMemory(from: contents.baseAddress!, byteCount: contents.count)
        bytes = UnsafeRawBufferPointer(start: address, count: contents.count)
    }

    public var count: Int { bytes.count }

    /// Tells the kernel the whole file will be read front to back (for full-file scans).
    public func adviseSequential() {
        if let base = bytes.baseAddress { madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_SEQUENTIAL) }
    }

    /// Drops this process's resident pages of `range` (the kernel's page cache keeps them, and
    /// touching them again simply re-reads them), so streaming through a large file does not
    /// grow the resident set. Only whole pages inside the range are dropped; anonymous maps,
    /// whose pages would read back as zeros, are left alone.
    public func releasePages(_ range: Range<Int>) {
        guard isFileBacked, let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page, end = range.upperBound / page * page
        guard start < end else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    deinit {
        if isFileBacked { MappedRegions.unregister(bytes) }
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// An operating-system error on a named file.
public struct FileError: Error, CustomStringConvertible, Equatable {
    /// Whether zoo was reading an input or writing an output when it failed.
    public enum Access: Sendable { case reading, writing }

    public let path: String
    public let operation: String
    public let message: String
    public let access: Access

    public init(path: String, operation: String, errno code: Int32, access: Access = .reading) {
        self.init(path: path, operation: operation, message: String(cString: strerror(code)), access: access)
    }

    public init(path: String, operation: String, message: String, access: Access = .reading) {
        self.path = path
        self.operation = operation
        self.message = message
        self.access = access
    }

    public var description: String { "\(path): cannot \(operation): \(message)" }
}
