import Foundation
import TestSupport
import Testing

/// Issue 17, section 2: failures that once killed zoo by a signal, now its documented exit codes
/// with nothing left behind. (The crafted inputs of that section are the hostile corpus's, run by
/// `HostileCorpusTests`; these need a process limit or a file changing under zoo.)
@Suite struct SignalRegressionTests {
    /// A safetensors file of `tensors` zero F32 tensors of `elements` each, written sparse.
    static func source(at path: String, tensors: Int, elements: Int) throws {
        let entries = (0..<tensors).map { "\"t\($0)\":{\"dtype\":\"F32\",\"shape\":[\(elements)],\"data_offsets\":[\($0 * elements * 4),\(($0 + 1) * elements * 4)]}" }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path, isDirectory: false).creating())
        try file.write(contentsOf: withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header)
        try file.truncate(atOffset: UInt64(8 + header.count + tensors * elements * 4))
        try file.close()
    }

    /// A full disk while libhdf5 writes (here a file-size limit, with SIGXFSZ ignored so writes fail
    /// with EFBIG as on a full disk): libhdf5's exit handler used to close the failed file again and
    /// die by SIGSEGV after zoo's message. The limits make libhdf5's flushes fail at different points
    /// of the file (all of them, before the fix, in H5Fclose and then at exit).
    @Test(arguments: [(8, "x.h5"), (64, "x.h5"), (100, "x.h5"), (64, "x.weights.h5"), (120, "x.weights.h5")])
    func aFullDiskWhileWritingHDF5ExitsThreeAndLeavesNothing(_ limitKiB: Int, _ output: String) throws {
        let folder = try TemporaryFolder(), out = try TemporaryFolder()
        try Self.source(at: folder.file("source.safetensors"), tensors: 2, elements: 16_000)
        let result = try Zoo.run(
            arguments: ["-c", "trap '' XFSZ; ulimit -f \(limitKiB); exec \"$0\" \"$@\"", Zoo.executable.path, "convert", folder.file("source.safetensors"), out.file(output)],
            program: URL(fileURLWithPath: "/bin/bash"))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("zoo: error:") && result.stderr.contains("cannot write"), "\(result.stderr)")
        #expect(try out.contents() == [])
    }

    /// The source truncated while `convert` reads it: reading a mapped page past the new end
    /// (SIGBUS: `.npz` output checksums each tensor) or writing one (EFAULT: `.safetensors` writes
    /// large tensors straight from the map) says the source changed, exit 2, nothing published; if
    /// the reads finished first, the size check before the commit says the same.
    @Test(arguments: ["x.npz", "x.safetensors"])
    func aSourceTruncatedWhileConvertedExitsTwoAndLeavesNothing(_ output: String) throws {
        let folder = try TemporaryFolder(), out = try TemporaryFolder()
        let source = folder.file("source.safetensors")
        try Self.source(at: source, tensors: 4, elements: 32 << 20)  // 512 MB, sparse
        let process = Process()
        process.executableURL = Zoo.executable
        process.arguments = ["convert", source, out.file(output)]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Truncate as soon as zoo has a file open in the output folder (unnamed until its commit): the conversion has started.
        let deadline = Date().addingTimeInterval(30)
        while !Self.writes(into: out.path, process: process.processIdentifier) && process.isRunning && Date() < deadline { usleep(500) }
        #expect(truncate(source, 4096) == 0)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 2, "\(stderr)")
        #expect(stderr.contains("\(source): cannot read: the file changed while it was read"), "\(stderr)")
        #expect(try out.contents() == [])
    }
}

extension SignalRegressionTests {
    /// Whether process `pid` has a file open in `folder` (its descriptors' links in /proc name an
    /// unnamed `O_TMPFILE` file `folder/#inode (deleted)`).
    static func writes(into folder: String, process pid: Int32) -> Bool {
        let descriptors = "/proc/\(pid)/fd"
        let links = (try? FileManager.default.contentsOfDirectory(atPath: descriptors)) ?? []
        return links.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: descriptors + "/" + $0))?.hasPrefix(folder + "/") ?? false }
    }
}

private extension URL {
    /// The URL, after creating an empty file there.
    func creating() -> URL {
        FileManager.default.createFile(atPath: path, contents: nil)
        return self
    }
}
