import CheckpointFormats
import Foundation

// zoo-hdf5-probe FILE: parses an HDF5 checkpoint and decodes every dataset libhdf5 must decode,
// so that a libhdf5 crash on a malformed file kills this process rather than its caller (see
// HDF5Sandbox), then prints the listing (layout, tensors, where each lives) as JSON. Exit 0:
// readable, listing on stdout; 1: a typed error; killed by a signal: libhdf5 crashed.
setenv("ZOO_HDF5_IN_PROCESS", "1", 1)
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: zoo-hdf5-probe FILE\n".utf8))
    exit(64)
}
do {
    let reader = try HDF5Reader(path: CommandLine.arguments[1])
    try reader.decodeEveryLibraryReadTensor()
    FileHandle.standardOutput.write(try reader.listingJSON())
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
