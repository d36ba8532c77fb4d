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

    /// Whether the file is gzip-compressed (known once something has been read).
    var isCompressed: Bool { gzdirect(file) == 0 }

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

    /// Exactly `count` bytes, or an error naming the offset where the file ended. Read a chunk at a
    /// time, so memory grows with the bytes actually there, never past `count`: a header that
    /// declares more than the file holds costs no more than the file.
    func read(_ count: Int, what: String) throws(DataError) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(min(count, Self.chunk))
        try read(count, what: what) { (chunk) throws(DataError) in bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// Exactly `count` bytes, handed to `consume` a chunk (at most `chunk` bytes) at a time, or an
    /// error naming the offset where the file ended.
    func read(_ count: Int, what: String, consume: (UnsafeRawBufferPointer) throws(DataError) -> Void) throws(DataError) {
        let start = offset
        var chunk = [UInt8](repeating: 0, count: min(count, Self.chunk))
        var delivered = 0
        while delivered < count {
            let want = min(count - delivered, chunk.count)
            var result = Result<Int, DataError>.success(0)
            chunk.withUnsafeMutableBytes { buffer in
                result = Result { () throws(DataError) in try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want])) }
            }
            let got = try result.get()
            var consumed = Result<Void, DataError>.success(())
            chunk.withUnsafeBytes { buffer in
                consumed = Result { () throws(DataError) in try consume(UnsafeRawBufferPointer(rebasing: buffer[..<got])) }
            }
            try consumed.get()
            delivered += got
            guard got == want else { throw Self.short(path, at: start + delivered, missing: count - delivered, of: what) }
        }
    }

    /// The error for a file that ends at byte `offset`, `missing` bytes short of `what`.
    static func short(_ path: String, at offset: Int, missing: Int, of what: String) -> DataError {
        .corrupt(path, byte: offset, reason: "the file ends here, \(missing) bytes short of \(what)")
    }

    /// The most bytes read (and allocated ahead of them) at a time.
    static let chunk = 1 << 24

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
