import Foundation

/// SIGINT and SIGTERM turned into a request the trainer polls between steps, so that an
/// interrupted run ends with a checkpoint instead of mid-write. A second signal while the first
/// is being handled exits at once (the last complete checkpoint still stands).
public enum StopSignal {
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handlers (idempotent), and unblocks the two signals: a parent that spawns zoo
    /// with them blocked (Foundation's `Process` under some test runners) would otherwise leave a
    /// stop pending until the run ends.
    public static func install() {
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            sigaddset(&signals, number)
            signal(number) { _ in
                if StopSignal.received != 0 { _exit(128 + 2) }
                StopSignal.received = 1
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// Whether a stop was asked for since the handlers were installed.
    public static var requested: Bool { received != 0 }
}
