import Foundation
import Tensors

/// libhdf5 decodes a file's metadata trusting the sizes it finds, and a malformed file can make
/// it read out of bounds and crash (the seeded mutation test finds such files for libhdf5 1.10.8).
/// So before zoo lets libhdf5 parse a file in its own process, a separate process,
/// `zoo-hdf5-probe` (installed beside the executable), parses it and decodes every dataset
/// libhdf5 would have to decode. If the probe dies or hangs, the file is refused with a typed
/// error. The probe is a fresh process, not a fork, so no lock held by another thread of the
/// caller can deadlock it.
enum HDF5Sandbox {
    /// Overrides where the probe is looked for.
    static let probeVariable = "ZOO_HDF5_PROBE"

    /// The probe executable: `$ZOO_HDF5_PROBE`, else `zoo-hdf5-probe` beside this executable.
    static let probe: URL? = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment[probeVariable] { return URL(fileURLWithPath: path) }
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let candidate = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("zoo-hdf5-probe")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }()

    /// What the probe made of a file.
    enum Outcome {
        /// It parsed the file and decoded its data: here is what it found.
        case listed(HDF5Listing)
        /// No probe ran (none installed beside the executable, which `HDF5Reader` warns about).
        case unavailable
    }

    /// Runs the probe on `file`; throws its refusal, or a crash or hang, as a typed error.
    static func list(_ file: MappedFile) throws -> Outcome {
        guard let probe else { return .unavailable }
        // Bytes in memory (fuzzers, tests): the probe reads them from a temporary copy (same offsets).
        let manager = FileManager.default
        let copy = file.isFileBacked ? nil : manager.temporaryDirectory.appendingPathComponent("zoo-probe-\(UUID().uuidString).h5").path
        if let copy, !manager.createFile(atPath: copy, contents: Data(file.bytes), attributes: [.posixPermissions: 0o600]) { return .unavailable }
        defer { if let copy { try? manager.removeItem(atPath: copy) } }
        guard let (status, output) = try run(probe.path, copy ?? file.path, limit: HDF5ProbeTime.limit(fileBytes: file.count), file: file.path) else {
            return .unavailable
        }
        guard status == 0, let report = try? JSONDecoder().decode(HDF5ProbeReport.self, from: output) else {
            throw HDF5Error(file: file.path, .badObject("zoo-hdf5-probe exited \(status) without a report"))
        }
        if let refusal = report.refusal {
            throw HDF5Error(file: file.path, tensor: refusal.tensor, offset: refusal.offset, refusal.problem)
        }
        guard let listing = report.listing else { throw HDF5Error(file: file.path, .badObject("zoo-hdf5-probe's report is empty")) }
        return .listed(listing)
    }

    /// The variable through which the probe learns its parent's process id (see `zoo_die_with_parent`).
    static let parentVariable = "ZOO_HDF5_PROBE_PARENT"

    /// Spawns `probe FILE` with its stdout into a pipe, reads the report while waiting at most
    /// `limit` seconds; returns the exit status and the report, nil if it could not start, or
    /// throws if it was killed by a signal or hung. Nothing is written to disk, so a zoo that is
    /// interrupted leaves nothing behind; the probe itself dies with zoo (`PR_SET_PDEATHSIG`, set
    /// by the probe, fires when the thread that spawned it exits: this thread, which waits here).
    /// (posix_spawn directly: Foundation's `Process` leaks an object per launch on Linux.)
    private static func run(_ probe: String, _ path: String, limit: Double, file: String) throws -> (Int32, Data)? {
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { return nil }
        for end in pipe { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }  // the probe gets only its dup2'd stdout
        defer { close(pipe[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [probe, path].map { $0.withCString { strdup($0) } } + [nil]
        var environment = ProcessInfo.processInfo.environment
        environment[parentVariable] = String(getpid())
        let variables = environment.map { "\($0.key)=\($0.value)".withCString { strdup($0) } } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, probe, &actions, nil, arguments, variables)
        close(pipe[1])
        guard spawned == 0 else { return nil }
        let deadline = Date().addingTimeInterval(limit)
        var output = Data(), status: Int32 = 0, chunk = [UInt8](repeating: 0, count: 1 << 16), open = true, exited = false
        while true {
            if open {
                // Drain the pipe as the probe writes, so a long listing never blocks it.
                var ready = pollfd(fd: pipe[0], events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, 10) > 0 {
                    let count = chunk.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
                    if count > 0 { output.append(contentsOf: chunk[0..<count]) } else if count == 0 || errno != EINTR { open = false }
                }
            } else {
                usleep(1000)
            }
            if !exited {
                let result = waitpid(child, &status, WNOHANG)
                if result == child { exited = true } else if result < 0 && errno != EINTR { return nil }
            }
            if exited && !open { break }
            if Date() > deadline {
                if !exited {
                    kill(child, SIGKILL)
                    waitpid(child, &status, 0)
                }
                throw HDF5Error(file: file, .probeTimeLimit(seconds: Int(limit.rounded(.up))))
            }
        }
        // WIFSIGNALED / WTERMSIG and WEXITSTATUS, which Swift does not import.
        let signal = status & 0x7F
        if signal != 0 && signal != 0x7F { throw HDF5Error(file: file, .libraryCrashed("crashed (signal \(signal))")) }
        return ((status >> 8) & 0xFF, output)
    }
}
