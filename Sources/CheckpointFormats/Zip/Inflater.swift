import CZlibShim
import Tensors

/// Raw-deflate decompression (zip method 8) through zlib. Output is never allocated beyond what
/// the stream actually produces (in doublings) or the member declares, so a header that declares
/// 2 GiB over a stream of 192 bytes costs kilobytes, not 2 GB.
enum Inflater {
    /// Inflates the whole member: `declared` bytes, exactly, or a typed error.
    static func inflate(_ source: UnsafeRawBufferPointer, declared: Int, member: String, file: String, offset: Int) throws -> TensorStorage {
        let stream = try Stream(source, member: member, file: file, offset: offset)
        // Weights barely compress, so a plausible ratio gets its whole buffer at once; only a
        // highly compressible (or lying) stream grows its buffer as it produces bytes.
        var storage = TensorStorage(zeroedByteCount: min(declared, max(1 << 20, source.count * 16)))
        var produced = try stream.fill(storage.mutableBytes)
        while !stream.ended && produced == storage.bytes.count && produced < declared {
            let larger = TensorStorage(zeroedByteCount: min(declared, produced * 2))
            larger.mutableBytes.copyMemory(from: storage.bytes)
            storage = larger
            produced += try stream.fill(UnsafeMutableRawBufferPointer(rebasing: storage.mutableBytes[produced...]))
        }
        try stream.finish(produced: produced, declared: declared)
        return storage
    }

    /// Inflates into `destination`; returns the bytes produced. With `requireEnd`, the stream
    /// must end exactly when `destination` is full.
    @discardableResult
    static func inflate(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        member: String, file: String, offset: Int, requireEnd: Bool
    ) throws -> Int {
        let stream = try Stream(source, member: member, file: file, offset: offset)
        let produced = try stream.fill(destination)
        if requireEnd { try stream.finish(produced: produced, declared: destination.count) }
        return produced
    }

    /// One zlib raw-inflate stream over a member's compressed bytes.
    private final class Stream {
        private var stream = z_stream()
        private let source: UnsafeRawBufferPointer
        private let member: String, file: String, offset: Int
        private var consumed = 0, total = 0
        private(set) var ended = false

        init(_ source: UnsafeRawBufferPointer, member: String, file: String, offset: Int) throws {
            self.source = source
            self.member = member
            self.file = file
            self.offset = offset
            guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw fail("zlib could not start") }
        }

        deinit { inflateEnd(&stream) }

        func fail(_ reason: String) -> ZipError { ZipError(file: file, offset: offset, .inflateFailed(member: member, reason: reason)) }

        /// Inflates into `output` until it is full or the stream ends; returns the bytes produced.
        func fill(_ output: UnsafeMutableRawBufferPointer) throws -> Int {
            let chunk = 1 << 30
            var produced = 0
            while produced < output.count && !ended {
                let inputCount = min(source.count - consumed, chunk), outputCount = min(output.count - produced, chunk)
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inputCount)
                stream.next_out = output.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outputCount)
                let status = CZlibShim.inflate(&stream, Z_NO_FLUSH)
                consumed += inputCount - Int(stream.avail_in)
                produced += outputCount - Int(stream.avail_out)
                total += outputCount - Int(stream.avail_out)
                switch status {
                case Z_STREAM_END: ended = true
                case Z_OK: continue
                // No progress with room to write: the input ran out before the stream's end.
                case Z_BUF_ERROR: throw fail("stream ends early, after \(total) bytes")
                default: throw fail(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
                }
            }
            return produced
        }

        /// After `produced` bytes: the stream must have ended there, and they must be `declared`.
        func finish(produced: Int, declared: Int) throws {
            if !ended {
                // Full: the stream must end now, without producing another byte.
                var probe: UInt8 = 0
                let extra = try withUnsafeMutableBytes(of: &probe) { try fill($0) }
                if extra > 0 { throw ZipError(file: file, offset: offset, .sizeMismatch(member: member, declared: declared, actual: produced + extra)) }
            }
            guard produced == declared else { throw ZipError(file: file, offset: offset, .sizeMismatch(member: member, declared: declared, actual: produced)) }
        }
    }
}
