import CheckpointFormats
import FuzzSupport

/// libFuzzer entry: parse the input as a torch.save checkpoint (zip or legacy) through the
/// restricted unpickler and read every tensor.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.readAll(data, size) { try PyTorchReader(file: $0) }
}
