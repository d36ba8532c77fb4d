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
        let manager = FileManager.default
        let scratch = manager.temporaryDirectory.appendingPathComponent("zoo-probe-\(UUID().uuidString)").path
        var path = file.path
        if !file.isFileBacked {
            // Bytes in memory: the probe reads them from a temporary copy (same offsets).
            guard manager.createFile(atPath: scratch + ".h5", contents: Data(file.bytes)) else { return .unavailable }
            path = scratch + ".h5"
        }
        defer {
            try? manager.removeItem(atPath: scratch + ".json")
            try? manager.removeItem(atPath: scratch + ".h5")
        }
        // Ten seconds, plus a second per 25 MB for the data libhdf5 decodes (gzip runs faster).
        guard let status = try run(probe.path, path, output: scratch + ".json", limit: 10 + Double(file.count) / 25e6, file: file.path) else {
            return .unavailable
        }
        guard status == 0, let data = manager.contents(atPath: scratch + ".json"),
            let report = try? JSONDecoder().decode(HDF5ProbeReport.self, from: data)
        else { throw HDF5Error(file: file.path, .badObject("zoo-hdf5-probe exited \(status) without a report")) }
        if let refusal = report.refusal {
            throw HDF5Error(file: file.path, tensor: refusal.tensor, offset: refusal.offset, refusal.problem)
        }
        guard let listing = report.listing else { throw HDF5Error(file: file.path, .badObject("zoo-hdf5-probe's report is empty")) }
        return .listed(listing)
    }

    /// Spawns `probe FILE` with stdout into `output`, waits at most `limit` seconds; returns its
    /// exit status, nil if it could not start, or throws if it was killed by a signal or hung.
    /// (posix_spawn directly: Foundation's `Process` leaks an object per launch on Linux.)
    private static func run(_ probe: String, _ path: String, output: String, limit: Double, file: String) throws -> Int32? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [probe, path].map { $0.withCString { strdup($0) } } + [nil]
        defer { arguments.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, probe, &actions, nil, arguments, environ) == 0 else { return nil }
        let deadline = Date().addingTimeInterval(limit)
        var status: Int32 = 0
        while true {
            let result = waitpid(child, &status, WNOHANG)
            if result == child { break }
            if result < 0 && errno != EINTR { return nil }
            if Date() > deadline {
                kill(child, SIGKILL)
                waitpid(child, &status, 0)
                throw HDF5Error(file: file, .libraryCrashed("did not finish within \(Int(limit)) s"))
            }
            usleep(300)
        }
        // WIFSIGNALED / WTERMSIG and WEXITSTATUS, which Swift does not import.
        let signal = status & 0x7F
        if signal != 0 && signal != 0x7F { throw HDF5Error(file: file, .libraryCrashed("crashed (signal \(signal))")) }
        return (status >> 8) & 0xFF
    }
}
