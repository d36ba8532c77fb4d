import Foundation

/// SIGINT and SIGTERM turned into a request the trainer polls between steps, so that an
/// interrupted run ends with a checkpoint instead of mid-write. A second signal while the first
/// is being handled exits at once (the last complete checkpoint still stands).
public enum StopSignal {
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handlers (idempotent).
    public static func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number) { _ in
                if StopSignal.received != 0 { _exit(128 + 2) }
                StopSignal.received = 1
            }
        }
    }

    /// Whether a stop was asked for since the handlers were installed.
    public static var requested: Bool { received != 0 }
}
