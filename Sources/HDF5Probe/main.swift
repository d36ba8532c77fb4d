import CHDF5
import CheckpointFormats
import Foundation

// zoo-hdf5-probe FILE: parses an HDF5 checkpoint and decodes every dataset libhdf5 must decode,
// so that a libhdf5 crash or hang on a malformed file takes down this process rather than its
// caller (see HDF5Sandbox). Prints a JSON report: the listing (layout, tensors, where each lives)
// or why the file was refused. Exit 0 with a report; killed by a signal: libhdf5 crashed.
zoo_die_with_parent(pid_t(ProcessInfo.processInfo.environment["ZOO_HDF5_PROBE_PARENT"].flatMap { Int32($0) } ?? 0))
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: zoo-hdf5-probe FILE\n".utf8))
    exit(64)
}
FileHandle.standardOutput.write(HDF5Reader.probeReport(path: CommandLine.arguments[1]))
