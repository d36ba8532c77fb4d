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

    /// Runs the probe on `file`; returns if it finished (with or without a typed error, which the
    /// caller will meet itself), throws if it crashed or hung. Returns false when no probe ran.
    static func check(_ file: MappedFile) throws -> Bool {
        guard !inProcess, let probe else { return false }
        var path = file.path
        var copy: String?
        if !file.isFileBacked {
            // Bytes in memory: the probe reads them from a temporary copy.
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-probe-\(UUID().uuidString).h5").path
            guard FileManager.default.createFile(atPath: temporary, contents: Data(file.bytes)) else { return false }
            copy = temporary
            path = temporary
        }
        defer { if let copy { try? FileManager.default.removeItem(atPath: copy) } }
        let process = Process()
        process.executableURL = probe
        process.arguments = [path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        // Generous: a minute, plus a second per 50 MB for the data libhdf5 decodes.
        let deadline = Date().addingTimeInterval(60 + Double(file.count) / 50e6)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw HDF5Error(file: file.path, .libraryCrashed("did not finish within a minute"))
            }
            usleep(500)
        }
        if process.terminationReason == .uncaughtSignal {
            throw HDF5Error(file: file.path, .libraryCrashed("crashed (signal \(process.terminationStatus))"))
        }
        return true
    }
}
