/// The LevelDB table format TensorFlow uses for a checkpoint's `.index`: data blocks of
/// prefix-compressed key/value entries (with restart points), an index block pointing at them,
/// and a 48-byte footer ending in the table magic number. Each block is followed by a compression
/// byte and the masked CRC32C of the block and that byte. Everything is bounds-checked.
struct SSTable {
    struct Record {
        let key: [UInt8]
        let value: UnsafeRawBufferPointer
        /// Absolute offset of the entry in the file.
        let offset: Int
    }

    static let magic: UInt64 = 0xDB47_7524_8B80_FB57
    static let footerSize = 48

    /// Every record of every data block, in order; keys must be strictly increasing.
    static func records(of bytes: UnsafeRawBufferPointer, file: String) throws -> [Record] {
        func fail(_ problem: TensorFlowProblem, at offset: Int?) -> TensorFlowError { TensorFlowError(file: file, offset: offset, problem) }
        guard bytes.count >= footerSize else { throw fail(.truncated("the file is shorter than the 48-byte table footer"), at: 0) }
        let footerStart = bytes.count - footerSize
        let found = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
        guard found == magic else {
            // A file that ends with the magic's first bytes was cut inside its footer.
            let magicBytes = withUnsafeBytes(of: magic.littleEndian, Array.init)
            if (1...7).contains(where: { bytes.suffix($0).elementsEqual(magicBytes.prefix($0)) }) {
                throw fail(.truncated("the file ends inside the table footer"), at: bytes.count)
            }
            throw fail(.badMagic(found: found), at: bytes.count - 8)
        }
        var footer = ByteCursor(UnsafeRawBufferPointer(rebasing: bytes[footerStart..<bytes.count - 8]), base: footerStart)
        guard (try? handle(&footer)) != nil, let index = try? handle(&footer) else {
            throw fail(.badBlock("the footer's block handles are malformed"), at: footerStart)
        }
        var records: [Record] = []
        for entry in try entries(block(index, of: bytes, file: file), base: index.offset, file: file) {
            var cursor = ByteCursor(entry.value, base: entry.offset)
            guard let data = try? handle(&cursor) else { throw fail(.badBlock("an index entry is not a block handle"), at: entry.offset) }
            for record in try entries(block(data, of: bytes, file: file), base: data.offset, file: file) {
                if let previous = records.last, !previous.key.lexicographicallyPrecedes(record.key) {
                    throw fail(.keysOutOfOrder(previous: String(decoding: previous.key, as: UTF8.self), next: String(decoding: record.key, as: UTF8.self)), at: record.offset)
                }
                records.append(record)
            }
        }
        return records
    }

    private static func handle(_ cursor: inout ByteCursor) throws -> (offset: Int, size: Int) {
        guard let offset = cursor.varint(), let size = cursor.varint(), offset < UInt64(Int.max / 2), size < UInt64(Int.max / 2) else {
            throw ProtobufReader.Malformed(what: "block handle")
        }
        return (Int(offset), Int(size))
    }

    /// A block's contents, after checking its trailer.
    private static func block(_ handle: (offset: Int, size: Int), of bytes: UnsafeRawBufferPointer, file: String) throws -> UnsafeRawBufferPointer {
        guard handle.offset <= bytes.count - footerSize, handle.size + 5 <= bytes.count - footerSize - handle.offset else {
            throw TensorFlowError(file: file, offset: handle.offset, .truncated("a block of \(handle.size) bytes at \(handle.offset) runs past the table"))
        }
        let withType = UnsafeRawBufferPointer(rebasing: bytes[handle.offset..<handle.offset + handle.size + 1])
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: handle.offset + handle.size + 1, as: UInt32.self))
        let computed = CRC32C.mask(CRC32C.checksum(withType))
        guard stored == computed else { throw TensorFlowError(file: file, offset: handle.offset, .badBlockChecksum(stored: stored, computed: computed)) }
        let type = withType[handle.size]
        guard type == 0 else { throw TensorFlowError(file: file, offset: handle.offset, .compressedBlock(type: type)) }
        return UnsafeRawBufferPointer(rebasing: withType[0..<handle.size])
    }

    /// A block's entries: each key shares a prefix with the previous one; restart points end the block.
    private static func entries(_ block: UnsafeRawBufferPointer, base: Int, file: String) throws -> [Record] {
        func fail(_ why: String, at offset: Int) -> TensorFlowError { TensorFlowError(file: file, offset: base + offset, .badBlock(why)) }
        guard block.count >= 4 else { throw fail("a block of \(block.count) bytes has no restart count", at: 0) }
        let restarts = Int(UInt32(littleEndian: block.loadUnaligned(fromByteOffset: block.count - 4, as: UInt32.self)))
        guard restarts >= 1, restarts <= (block.count - 4) / 4 else { throw fail("\(restarts) restart points do not fit the block", at: block.count - 4) }
        let end = block.count - 4 - 4 * restarts
        var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: block[0..<end]), base: base)
        var records: [Record] = [], key: [UInt8] = []
        while cursor.remaining > 0 {
            let start = cursor.absolutePosition
            guard let shared = cursor.varint(), let unshared = cursor.varint(), let length = cursor.varint() else {
                throw fail("an entry header runs past the block", at: start - base)
            }
            guard shared <= UInt64(key.count), unshared <= UInt64(cursor.remaining), let suffix = cursor.take(Int(unshared)) else {
                throw fail("an entry's key runs past the block or shares more than the previous key has", at: start - base)
            }
            guard length <= UInt64(cursor.remaining), let value = cursor.take(Int(length)) else {
                throw fail("an entry's value runs past the block", at: start - base)
            }
            key = Array(key[0..<Int(shared)]) + Array(suffix)
            records.append(Record(key: key, value: value, offset: start))
        }
        return records
    }
}
