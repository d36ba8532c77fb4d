/// The bytes behind a tensor: an owned, aligned allocation or a window into a memory-mapped file.
public final class TensorStorage: @unchecked Sendable {
    private enum Backing {
        case owned(UnsafeMutableRawBufferPointer)
        case mapped(MappedFile)
        case slice(TensorStorage)
    }

    private let backing: Backing
    public let bytes: UnsafeRawBufferPointer

    /// A zeroed allocation of `byteCount` bytes, 64-byte aligned.
    public init(zeroedByteCount byteCount: Int) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        backing = .owned(buffer)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<byteCount])
    }

    /// A window `range` into a mapped file; the caller has checked the range against the file.
    public init(file: MappedFile, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= file.count, "range outside the mapped file")
        backing = .mapped(file)
        bytes = UnsafeRawBufferPointer(rebasing: file.bytes[range])
    }

    /// A window `range` into other storage, keeping it alive (e.g. the data after a header).
    public init(slicing parent: TensorStorage, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= parent.bytes.count, "range outside the parent storage")
        backing = .slice(parent)
        bytes = UnsafeRawBufferPointer(rebasing: parent.bytes[range])
    }

    /// Writable access, only for owned storage (tensors being built).
    public var mutableBytes: UnsafeMutableRawBufferPointer {
        guard case .owned = backing else { preconditionFailure("mapped or sliced tensor storage is read-only") }
        return UnsafeMutableRawBufferPointer(mutating: bytes)
    }

    /// For storage mapped from a file, drops the resident pages of `range` (all its bytes by
    /// default; see `MappedFile.releasePages`); the bytes stay readable. Does nothing for owned storage.
    public func releaseMappedPages(_ range: Range<Int>? = nil) {
        guard case .mapped(let file) = root, let base = bytes.baseAddress, let fileBase = file.bytes.baseAddress else { return }
        let offset = base - fileBase, range = range ?? 0..<bytes.count
        file.releasePages(offset + range.lowerBound..<offset + range.upperBound)
    }

    /// The backing at the bottom of a chain of slices.
    private var root: Backing {
        if case .slice(let parent) = backing { return parent.root }
        return backing
    }

    /// Whether the bytes live in a memory-mapped file (directly or through a slice).
    public var isMapped: Bool {
        switch backing {
        case .owned: false
        case .mapped: true
        case .slice(let parent): parent.isMapped
        }
    }

    deinit {
        if case .owned(let buffer) = backing { buffer.deallocate() }
    }
}
