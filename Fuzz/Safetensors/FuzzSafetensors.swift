import CheckpointFormats
import FuzzSupport

/// libFuzzer entry: parse the input as a safetensors file and read every tensor.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.readAll(data, size) { try SafetensorsReader(file: $0) }
}
