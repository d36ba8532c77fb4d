import CheckpointFormats
import FuzzSupport

/// libFuzzer entry: parse the input as a TensorFlow checkpoint index (the SSTable, its blocks and
/// the protobuf records in them). No data shard sits beside it, so tensors with data end in a
/// typed missing-shard error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.readAll(data, size) { try TensorFlowReader(file: $0) }
}
