import Foundation
import TestSupport
import Testing

/// `zoo-hdf5-probe` on a valid file that needs much memory to decode (512 MiB of zeros,
/// gzip-compressed into half a megabyte: Fuzz/hostile/hangs/probe_gzip.h5): its memory limit is
/// a limit, said as one, as is its time limit, and an interrupted zoo leaves neither the probe nor a file behind.
@Suite(.serialized) struct HDF5ProbeTests {
    let file = Fixtures.root.appendingPathComponent("Fuzz/hostile/hangs/probe_gzip.h5").path

    @Test func aDatasetOverTheProbesMemoryLimitIsALimitNotAMalformedFile() throws {
        let result = try Zoo.run(arguments: ["inspect", file], environment: ["ZOO_HDF5_PROBE_MEMORY": "64M"])
        #expect(result.status == 4, "\(result.stderr)")
        for part in ["536870912 bytes", "memory limit of 67108864 bytes", "not a malformed file", "ZOO_HDF5_PROBE_MEMORY"] {
            #expect(result.stderr.contains(part), "\(result.stderr)")
        }
        #expect(!result.stderr.contains("is malformed"))
    }

    @Test func aProbePastItsTimeLimitIsALimitSaidAsOne() throws {
        // Decoding 512 MiB takes far longer than 10 ms.
        let result = try Zoo.run(arguments: ["inspect", file], environment: ["ZOO_HDF5_PROBE_MEMORY": "1G", "ZOO_HDF5_PROBE_SECONDS": "0.01"])
        #expect(result.status == 4, "\(result.stderr)")
        for part in ["did not finish within its time limit of 1 s", "ZOO_HDF5_PROBE_SECONDS"] {
            #expect(result.stderr.contains(part), "\(result.stderr)")
        }
        #expect(!result.stderr.contains("is malformed"))
    }

    @Test func aDatasetUnderTheLimitIsRead() throws {
        let result = try Zoo.run(arguments: ["inspect", file], environment: ["ZOO_HDF5_PROBE_MEMORY": "1G"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("weights"))
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func anInterruptedZooTakesItsProbeAlongAndLeavesNoFile(_ signal: Int32) throws {
        let scratch = try TemporaryFolder()
        let process = Process()
        process.executableURL = Zoo.executable
        process.arguments = ["inspect", file]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch.path, "ZOO_HDF5_PROBE_MEMORY": "1G"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var probe: pid_t?
        let deadline = Date().addingTimeInterval(30)
        while probe == nil && process.isRunning && Date() < deadline {
            probe = Self.child(of: process.processIdentifier, named: "zoo-hdf5-probe")
            if probe == nil { usleep(1000) }
        }
        let found = try #require(probe, "the probe never ran (or finished before it was seen)")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let gone = Date().addingTimeInterval(5)
        while Self.isAlive(found) && Date() < gone { usleep(10_000) }
        #expect(!Self.isAlive(found), "zoo-hdf5-probe \(found) outlived zoo (signal \(signal))")
        let left = try scratch.contents()
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// A child of `parent` whose command is `name`, from /proc.
    static func child(of parent: pid_t, named name: String) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry), let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8) else { continue }
            let fields = Dictionary(status.split(separator: "\n").map { line -> (String, String) in
                let parts = line.split(separator: ":", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
            }) { first, _ in first }
            if fields["PPid"] == String(parent) && fields["Name"] == name { return pid }
        }
        return nil
    }

    /// Running, as opposed to gone or a zombie waiting for a parent that never reaps it.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        return !status.contains("State:\tZ") && !status.contains("State:\tX")
    }
}
