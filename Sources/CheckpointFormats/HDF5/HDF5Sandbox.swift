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
    /// The variable the probe sets so that its own reader parses in-process.
    static let inProcessVariable = "ZOO_HDF5_IN_PROCESS"
    /// Overrides where the probe is looked for.
    static let probeVariable = "ZOO_HDF5_PROBE"

    /// Whether readers in this process parse without a probe (the probe itself, or a host
    /// without one, which `HDF5Reader` warns about).
    static var inProcess: Bool { ProcessInfo.processInfo.environment[inProcessVariable] == "1" }

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
        /// It refused the file with a typed error (which the caller can safely reproduce).
        case failed
        /// No probe ran (none installed, or this is the probe).
        case unavailable
    }

    /// Runs the probe on `file`; throws if it crashed or hung.
    static func list(_ file: MappedFile) throws -> Outcome {
        guard !inProcess, let probe else { return .unavailable }
        let manager = FileManager.default
        let scratch = manager.temporaryDirectory.appendingPathComponent("zoo-probe-\(UUID().uuidString)").path
        var path = file.path
        if !file.isFileBacked {
            // Bytes in memory: the probe reads them from a temporary copy (same offsets).
            guard manager.createFile(atPath: scratch + ".h5", contents: Data(file.bytes)) else { return .unavailable }
            path = scratch + ".h5"
        }
        guard manager.createFile(atPath: scratch + ".json", contents: nil), let listing = FileHandle(forWritingAtPath: scratch + ".json") else {
            return .unavailable
        }
        defer {
            try? listing.close()
            try? manager.removeItem(atPath: scratch + ".json")
            try? manager.removeItem(atPath: scratch + ".h5")
        }
        let process = Process()
        process.executableURL = probe
        process.arguments = [path]
        process.standardOutput = listing
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .unavailable }
        // Generous: a minute, plus a second per 50 MB for the data libhdf5 decodes.
        let limit = 60 + Double(file.count) / 50e6
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw HDF5Error(file: file.path, .libraryCrashed("did not finish within \(Int(limit)) s"))
            }
            usleep(500)
        }
        if process.terminationReason == .uncaughtSignal {
            throw HDF5Error(file: file.path, .libraryCrashed("crashed (signal \(process.terminationStatus))"))
        }
        guard process.terminationStatus == 0 else { return .failed }
        guard let data = manager.contents(atPath: scratch + ".json"), let decoded = try? JSONDecoder().decode(HDF5Listing.self, from: data) else {
            return .failed
        }
        return .listed(decoded)
    }
}
