import CZlibShim
import Tensors

/// Writes a zip archive member by member into an `AtomicFile`: stored or raw-deflated data,
/// streamed, with the CRC and sizes patched into each local header afterwards and ZIP64 records
/// wherever a size or offset needs them. Stored members can be aligned (their data starts at a
/// multiple of `alignment` bytes) so readers can map them in place.
final class ZipWriter {
    private struct Member {
        let name: [UInt8]
        let method: UInt16
        let localOffset: Int
        let extraLength: Int
        var crc: UInt32 = 0
        var compressed = 0
        var uncompressed = 0
        let zip64Local: Bool
    }

    private let output: AtomicFile
    private var members: [Member] = []
    private var deflater: Deflater?

    init(output: AtomicFile) { self.output = output }

    /// Starts a member of `size` uncompressed bytes.
    func beginMember(_ name: String, size: Int, deflate: Bool, alignment: Int = 64) throws {
        let nameBytes = Array(name.utf8)
        // Writers check names up front (`FieldWidth`); this keeps any other caller from trapping.
        guard nameBytes.count <= FieldWidth.zipName else {
            throw CheckpointError.unsupportedOutput(file: output.destination, reason: "zip member name '\(FieldWidth.abbreviated(name))' is longer than 65,535 bytes")
        }
        let zip64 = size >= 0xFFFF_FFFF
        var extra: [UInt8] = []
        if zip64 { extra = le(UInt16(1)) + le(UInt16(16)) + le(UInt64(size)) + le(UInt64(0)) }
        if !deflate && alignment > 1 {
            // Pad with an unknown extra field so the data starts aligned, as PyTorch's writer does.
            let unpadded = output.position + 30 + nameBytes.count + extra.count
            var padding = (alignment - unpadded % alignment) % alignment
            if padding > 0 && padding < 4 { padding += alignment }
            if padding > 0 { extra += le(UInt16(0x5A5A)) + le(UInt16(padding - 4)) + [UInt8](repeating: 0, count: padding - 4) }
        }
        let member = Member(name: nameBytes, method: deflate ? 8 : 0, localOffset: output.position, extraLength: extra.count, zip64Local: zip64)
        var header = le(UInt32(0x0403_4B50)) + le(UInt16(zip64 ? 45 : 20)) + le(UInt16(0x0800)) + le(member.method)
        header += le(UInt32(0)) + le(UInt32(0)) + le(UInt32(zip64 ? 0xFFFF_FFFF : 0)) + le(UInt32(zip64 ? 0xFFFF_FFFF : 0))
        header += le(UInt16(nameBytes.count)) + le(UInt16(extra.count)) + nameBytes + extra
        try output.write(header)
        members.append(member)
        deflater = deflate ? try Deflater(file: output.destination) : nil
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        members[members.count - 1].crc = CRC32.checksum(bytes, continuing: members[members.count - 1].crc)
        members[members.count - 1].uncompressed += bytes.count
        if let deflater {
            try deflater.compress(bytes, finish: false) { try output.write($0) }
        } else {
            try output.write(bytes)
        }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Finishes the member and patches its local header.
    func endMember() throws {
        if let deflater { try deflater.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { try output.write($0) } }
        deflater = nil
        var member = members[members.count - 1]
        let headerLength = 30 + member.name.count
        member.compressed = output.position - member.localOffset - headerLength - member.extraLength
        members[members.count - 1] = member
        try output.patch(at: member.localOffset + 14, le(member.crc))
        if member.zip64Local {
            try output.patch(at: member.localOffset + headerLength + 4, le(UInt64(member.uncompressed)) + le(UInt64(member.compressed)))
        } else {
            try output.patch(at: member.localOffset + 18, le(UInt32(member.compressed)) + le(UInt32(member.uncompressed)))
        }
    }

    /// Writes the central directory and end records.
    func finish() throws {
        let directoryStart = output.position
        for member in members {
            var zip64Fields: [UInt8] = []
            if member.uncompressed >= 0xFFFF_FFFF { zip64Fields += le(UInt64(member.uncompressed)) }
            if member.compressed >= 0xFFFF_FFFF { zip64Fields += le(UInt64(member.compressed)) }
            if member.localOffset >= 0xFFFF_FFFF { zip64Fields += le(UInt64(member.localOffset)) }
            let extra = zip64Fields.isEmpty ? [] : le(UInt16(1)) + le(UInt16(zip64Fields.count)) + zip64Fields
            var entry = le(UInt32(0x0201_4B50)) + le(UInt16(0x031E)) + le(UInt16(extra.isEmpty ? 20 : 45)) + le(UInt16(0x0800)) + le(member.method)
            entry += le(UInt32(0)) + le(member.crc) + le(saturated(member.compressed)) + le(saturated(member.uncompressed))
            entry += le(UInt16(member.name.count)) + le(UInt16(extra.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
            entry += le(UInt32(0o100644 << 16)) + le(saturated(member.localOffset)) + member.name + extra
            try output.write(entry)
        }
        let directorySize = output.position - directoryStart
        let needs64 = members.count >= 0xFFFF || directoryStart >= 0xFFFF_FFFF || directorySize >= 0xFFFF_FFFF
        if needs64 {
            let record = output.position
            var end64 = le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
            end64 += le(UInt64(members.count)) + le(UInt64(members.count)) + le(UInt64(directorySize)) + le(UInt64(directoryStart))
            end64 += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(record)) + le(UInt32(1))
            try output.write(end64)
        }
        let count = UInt16(min(members.count, 0xFFFF))
        var end = le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(count) + le(count)
        end += le(saturated(directorySize)) + le(saturated(directoryStart)) + le(UInt16(0))
        try output.write(end)
    }

    private func saturated(_ value: Int) -> UInt32 { value >= 0xFFFF_FFFF ? 0xFFFF_FFFF : UInt32(value) }
}

/// Little-endian bytes of an integer.
func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

/// Streaming raw deflate through zlib.
private final class Deflater {
    private var stream = z_stream()
    private var chunk = [UInt8](repeating: 0, count: 1 << 18)
    private let file: String

    init(file: String) throws {
        self.file = file
        guard deflateInit2_(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FileError(path: file, operation: "start zlib deflate for", message: "zlib refused the settings", access: .writing)
        }
    }

    func compress(_ input: UnsafeRawBufferPointer, finish: Bool, sink: ([UInt8]) throws -> Void) throws {
        var consumed = 0
        repeat {
            let count = min(input.count - consumed, 1 << 30)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(count)
            var status: Int32
            repeat {
                status = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return deflate(&stream, finish && consumed + count == input.count ? Z_FINISH : Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if produced > 0 { try sink(Array(chunk[0..<produced])) }
                guard status != Z_STREAM_ERROR else { throw FileError(path: file, operation: "deflate data for", message: "zlib stream error", access: .writing) }
            } while stream.avail_out == 0 || (finish && status != Z_STREAM_END && consumed + count == input.count)
            consumed += count
        } while consumed < input.count
    }

    deinit { deflateEnd(&stream) }
}
