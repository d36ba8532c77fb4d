import CheckpointFormats
import FuzzSupport

/// libFuzzer entry: detect the input's format from its content and open it with that reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.readAll(data, size) { try Checkpoint.open($0) }
}
