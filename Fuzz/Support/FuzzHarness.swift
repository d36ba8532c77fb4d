import CheckpointFormats
import Tensors

/// The shared body of zoo's libFuzzer targets: open the bytes with a reader, then read and
/// checksum every tensor. A typed input error is the expected outcome for bad bytes; a crash, a
/// sanitizer report or an untyped error is a finding.
public enum FuzzHarness {
    public static func readAll(_ data: UnsafePointer<UInt8>?, _ size: Int, open: (MappedFile) throws -> CheckpointReader) -> Int32 {
        let file = MappedFile(copying: UnsafeRawBufferPointer(start: data, count: size), path: "fuzz-input")
        do {
            _ = try open(file).checksums()
        } catch where isCheckpointInputError(error) {
            return 0
        } catch {
            fatalError("untyped error escaped a parser: \(error)")
        }
        return 0
    }
}
