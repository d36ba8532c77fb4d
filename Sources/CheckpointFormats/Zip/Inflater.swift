import CZlibShim

/// Raw-deflate decompression (zip method 8) through zlib, into a caller-sized buffer so a lying
/// stream can never make zoo allocate more than the member declared.
enum Inflater {
    /// Inflates `source` into `destination`; returns the bytes produced. With `requireEnd`, the
    /// stream must end exactly when `destination` is full.
    @discardableResult
    static func inflate(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        member: String, file: String, offset: Int, requireEnd: Bool
    ) throws -> Int {
        func fail(_ reason: String) -> ZipError { ZipError(file: file, offset: offset, .inflateFailed(member: member, reason: reason)) }
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw fail("zlib could not start") }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 30
        var consumed = 0, produced = 0
        while true {
            let inputCount = min(source.count - consumed, chunk), outputCount = min(destination.count - produced, chunk)
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(inputCount)
            stream.next_out = destination.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(outputCount)
            let status = CZlibShim.inflate(&stream, Z_NO_FLUSH)
            consumed += inputCount - Int(stream.avail_in)
            produced += outputCount - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                if requireEnd && produced != destination.count {
                    throw ZipError(file: file, offset: offset, .sizeMismatch(member: member, declared: destination.count, actual: produced))
                }
                return produced
            case Z_OK, Z_BUF_ERROR:
                if produced == destination.count {
                    guard requireEnd else { return produced }
                    // Full: the stream must end now, without producing another byte.
                    var probe: UInt8 = 0
                    let status = withUnsafeMutablePointer(to: &probe) { pointer -> Int32 in
                        stream.next_out = pointer
                        stream.avail_out = 1
                        return CZlibShim.inflate(&stream, Z_NO_FLUSH)
                    }
                    if status == Z_STREAM_END && stream.avail_out == 1 { return produced }
                    if stream.avail_out == 0 {
                        throw ZipError(file: file, offset: offset, .sizeMismatch(member: member, declared: destination.count, actual: produced + 1))
                    }
                    throw fail(stream.msg.map { String(cString: $0) } ?? "stream does not end where the member does")
                }
                if status == Z_BUF_ERROR || (consumed == source.count && stream.avail_in == 0 && inputCount == 0) {
                    throw fail("stream ends early, after \(produced) bytes")
                }
            default:
                throw fail(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
            }
        }
    }
}
