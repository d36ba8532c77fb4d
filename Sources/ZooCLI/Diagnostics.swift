import Foundation

/// What zoo says on standard error besides errors: warnings, notes and progress, all silenced
/// by `--quiet`.
enum Diagnostics {
    /// Set once from the parsed command's `--quiet`, before it runs.
    nonisolated(unsafe) static var quiet = false

    /// A line on standard error, unless quiet.
    static func say(_ line: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// `zoo: warning: …` on standard error, unless `--quiet`.
func warn(_ message: String) { Diagnostics.say("zoo: warning: " + message) }
