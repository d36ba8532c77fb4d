import Foundation

/// A named pipe, for tests that zoo refuses inputs that are not regular files. Should the code
/// under test open it for reading and block (what these tests guard against), a watchdog opens
/// it for writing after `seconds` and closes it again, so the test fails instead of hanging.
public final class FIFOFixture: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var done = false

    public init(at path: String, watchdog seconds: Double = 10) throws {
        guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        self.path = path
        let deadline = Date().addingTimeInterval(seconds)
        Thread.detachNewThread { [self] in
            while !finished {
                if Date() > deadline {
                    // Succeeds only while a reader waits; closing at once gives it end-of-file.
                    let fd = open(path, O_WRONLY | O_NONBLOCK)
                    if fd >= 0 { close(fd) }
                }
                usleep(20_000)
            }
        }
    }

    private var finished: Bool { lock.withLock { done } }

    /// Stops the watchdog; call when the test is done with the pipe.
    public func finish() { lock.withLock { done = true } }

    deinit { finish() }
}
