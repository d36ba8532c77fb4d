#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The files zoo has mapped, so that a source truncated or rewritten while it is read is reported
/// as such instead of killing zoo: touching a mapped page past a truncated file's new end raises
/// SIGBUS (caught here: the message names the file, `cleanup` removes unfinished outputs, and zoo
/// exits 2), and `write(2)` from such a page fails with EFAULT (`path(containing:)` names the file).
public enum MappedRegions {
    /// What `changedMessage` says after the file's path.
    public static let changed = "the file changed while it was read (truncated or rewritten); nothing was written"

    /// Called from the SIGBUS handler before zoo exits: removes unfinished outputs. It must be
    /// async-signal-safe (never wait on a lock, never allocate).
    nonisolated(unsafe) public static var cleanup: (@convention(c) () -> Void)?

    private struct Region {
        let start: UInt
        let end: UInt
        let path: String
        /// The whole error line, prepared so the signal handler need not allocate.
        let message: [UInt8]
    }

    private static let regions = Mutex<[Region]>([])
    /// The handler before zoo's (the Swift runtime's backtracer), for faults outside every mapping.
    nonisolated(unsafe) private static var previous = sigaction()
    private static let installHandler: Void = {
        var action = sigaction()
        action.sa_flags = SA_SIGINFO
        action.__sigaction_handler.sa_sigaction = { _, info, _ in
            MappedRegions.sourceChanged(at: info.map { UInt(bitPattern: $0.pointee._sifields._sigfault.si_addr) } ?? 0)
        }
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, &previous)
    }()

    static func register(_ bytes: UnsafeRawBufferPointer, path: String) {
        guard let base = bytes.baseAddress else { return }
        _ = installHandler
        let start = UInt(bitPattern: base)
        let message = Array("zoo: error: \(path): cannot read: \(changed)\n".utf8)
        regions.withLock { $0.append(Region(start: start, end: start + UInt(bytes.count), path: path, message: message)) }
    }

    static func unregister(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        regions.withLock { $0.removeAll { $0.start == UInt(bitPattern: base) } }
    }

    /// The mapped file `address` points into, if any.
    public static func path(containing address: UnsafeRawPointer) -> String? {
        let address = UInt(bitPattern: address)
        return regions.withLock { $0.first { $0.start <= address && address < $0.end }?.path }
    }

    /// The SIGBUS handler's work: report, clean up, exit 2 (bad input). A fault outside every
    /// mapping is not zoo's to explain: the previous handler takes it.
    private static func sourceChanged(at address: UInt) {
        let found = regions.withLockIfAvailable { regions -> Bool in
            guard let region = regions.first(where: { $0.start <= address && address < $0.end }) else { return false }
            region.message.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
            return true
        }
        switch found {
        case false?:
            sigaction(SIGBUS, &previous, nil)
            return  // the faulting access runs again, into the previous handler
        case nil:  // the registry is busy (another thread maps or unmaps): say it without the name
            let message: StaticString = "zoo: error: a source file changed while it was read (truncated or rewritten); nothing was written\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
        case true?: break
        }
        cleanup?()
        _exit(2)
    }
}
