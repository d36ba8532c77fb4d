import CZlibShim
import Tensors

/// A file read as a byte stream through zlib's `gzread`: gzip files (magic 1f 8b) are inflated as
/// they are read, anything else is passed through as is. Opened through `RegularFile.open`, so a
/// FIFO or device is refused. Counts the bytes delivered so errors can name an offset.
final class CompressedInput {
    let path: String
    /// Bytes delivered so far (of the decompressed stream).
    private(set) var offset = 0
    private let file: gzFile

    init(_ path: String) throws(DataError) {
        let descriptor: Int32
        do { descriptor = try RegularFile.open(path).descriptor } catch { throw .unreadable(path, reason: error.message) }
        guard let file = gzdopen(descriptor, "rb") else {
            close(descriptor)
            throw .unreadable(path, reason: "zlib could not open it")
        }
        (self.path, self.file) = (path, file)
    }

    deinit { gzclose(file) }

    /// Fills `buffer` as far as the stream goes; returns how many bytes it holds (fewer only at the end).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DataError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let want = UInt32(min(buffer.count - filled, 1 << 30))
            let got = gzread(file, buffer.baseAddress! + filled, want)
            if got < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "zlib error \(code)"
                throw .corrupt(path, byte: offset + filled, reason: "cannot be decompressed: \(message)")
            }
            if got == 0 { break }
            filled += Int(got)
        }
        offset += filled
        return filled
    }

    /// Exactly `count` bytes, or an error naming the offset where the file ended.
    func read(_ count: Int, what: String) throws(DataError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let start = offset
        var result = Result<Int, DataError>.success(0)
        bytes.withUnsafeMutableBytes { buffer in result = Result { () throws(DataError) in try read(into: buffer) } }
        let got = try result.get()
        guard got == count else {
            throw .corrupt(path, byte: start + got, reason: "the file ends here, \(count - got) bytes short of \(what)")
        }
        return bytes
    }

    /// Whether the stream has bytes left.
    func hasMore() throws(DataError) -> Bool {
        var byte: UInt8 = 0
        var result = Result<Int, DataError>.success(0)
        withUnsafeMutableBytes(of: &byte) { buffer in result = Result { () throws(DataError) in try read(into: buffer) } }
        let got = try result.get()
        if got > 0 { offset -= got }
        return got > 0
    }
}
