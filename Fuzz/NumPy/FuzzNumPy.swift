import CheckpointFormats
import FuzzSupport

/// libFuzzer entry: parse the input as a `.npy` array and read it (byte-swapped / transposed as needed).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.readAll(data, size) { try NpyReader(file: $0) }
}
