import CheckpointFormats
import FuzzSupport

/// libFuzzer entry: parse the input as an `.npz` (zip central directory, local headers, inflate,
/// CRC, and the `.npy` header inside each member) and read every array.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.readAll(data, size) { try NpzReader(file: $0) }
}
