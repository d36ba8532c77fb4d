import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process run under guards: killed after `timeout`, with its peak resident memory read from
/// the kernel's high-water mark (`VmHWM` in `/proc/PID/status`, polled every few milliseconds while
/// it runs), which Foundation's `Process` does not expose. `wait4`'s `ru_maxrss` would not do: Linux
/// carries the spawning process's own peak across `exec`, so a child of a large test process reads
/// as large as its parent. Standard output and error go to files, so neither pipe can fill and stall
/// the child.
public struct BoundedProcess {
    public struct Outcome {
        /// The exit status, or nil when a signal ended the process.
        public let status: Int32?
        /// The signal that ended it, if one did (SIGKILL after a timeout among them).
        public let signal: Int32?
        public let timedOut: Bool
        public let peakResidentBytes: Int
        public let seconds: Double
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable` with `arguments` in this process's environment.
    public static func run(_ executable: String, _ arguments: [String], timeout: Double) throws -> Outcome {
        let folder = try TemporaryFolder()
        let outPath = folder.file("stdout"), errPath = folder.file("stderr")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BoundedProcessError(reason: "cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0, timedOut = false, peak = 0
        while true {
            peak = max(peak, Self.residentHighWaterMark(of: pid))
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { throw BoundedProcessError(reason: "waitpid: \(String(cString: strerror(errno)))") }
            if !timedOut && Date().timeIntervalSince(started) > timeout {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(5_000)
        }
        let signalled = status & 0x7f != 0
        return Outcome(
            status: signalled ? nil : (status >> 8) & 0xff, signal: signalled ? status & 0x7f : nil, timedOut: timedOut,
            peakResidentBytes: peak, seconds: Date().timeIntervalSince(started),
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

extension BoundedProcess {
    /// The process's peak resident set so far, in bytes (0 once it has exited).
    static func residentHighWaterMark(of pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).dropLast(3).trimmingCharacters(in: .whitespaces))
        else { return 0 }
        return kilobytes * 1024
    }
}

public struct BoundedProcessError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
