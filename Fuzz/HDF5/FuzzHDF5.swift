import CheckpointFormats
import FuzzSupport

/// libFuzzer entry: parse the input as an HDF5/Keras checkpoint (zoo-hdf5-probe first, then
/// libhdf5 in-process) and read every tensor.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.readAll(data, size) { try HDF5Reader(file: $0) }
}
