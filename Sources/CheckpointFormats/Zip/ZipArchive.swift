import Tensors

/// One member of a zip archive, located and bounds-checked.
public struct ZipEntry: Sendable {
    public let name: String
    public let method: Int
    public let crc32: UInt32
    public let compressedSize: Int
    public let uncompressedSize: Int
    /// Where the member's local header starts; its bytes run from there to the end of `dataRange`.
    public let headerOffset: Int
    /// Absolute byte range of the member's (possibly compressed) data.
    public let dataRange: Range<Int>
    public var isStored: Bool { method == 0 }
}

/// A read-only zip archive over a memory-mapped file. The central directory is walked here rather
/// than through ZIPFoundation because zoo needs each member's data offset, to map stored members
/// without copying them; ZIP64 archives (over 4 GB or 65 535 members) are supported.
public final class ZipArchive: Sendable {
    public let path: String
    public let file: MappedFile
    public let entries: [ZipEntry]

    public init(file: MappedFile) throws {
        path = file.path
        self.file = file
        entries = try ZipDirectory(file: file, path: path).entries()
    }

    public func entry(named name: String) -> ZipEntry? { entries.first { $0.name == name } }

    /// The member's bytes, CRC-checked: a view into the map when stored, inflated when deflated.
    public func contents(of entry: ZipEntry) throws -> TensorStorage {
        let storage: TensorStorage
        if entry.isStored {
            storage = TensorStorage(file: file, range: entry.dataRange)
        } else {
            storage = try Inflater.inflate(
                UnsafeRawBufferPointer(rebasing: file.bytes[entry.dataRange]), declared: entry.uncompressedSize,
                member: entry.name, file: path, offset: entry.dataRange.lowerBound)
        }
        let actual = CRC32.checksum(storage.bytes)
        guard actual == entry.crc32 else {
            throw ZipError(file: path, offset: entry.dataRange.lowerBound, .crcMismatch(member: entry.name, expected: entry.crc32, actual: actual))
        }
        return storage
    }

    /// The first `count` bytes of the member (or fewer if it is shorter), without reading the rest.
    public func prefix(of entry: ZipEntry, count: Int) throws -> [UInt8] {
        let wanted = min(count, entry.uncompressedSize)
        if entry.isStored { return Array(file.bytes[entry.dataRange.lowerBound..<entry.dataRange.lowerBound + wanted]) }
        var buffer = [UInt8](repeating: 0, count: wanted)
        let produced = try buffer.withUnsafeMutableBytes {
            try Inflater.inflate(
                UnsafeRawBufferPointer(rebasing: file.bytes[entry.dataRange]), into: $0,
                member: entry.name, file: path, offset: entry.dataRange.lowerBound, requireEnd: false)
        }
        return Array(buffer[0..<produced])
    }
}

/// Parses the end-of-central-directory records and the central directory itself.
private struct ZipDirectory {
    let file: MappedFile
    let path: String
    var bytes: UnsafeRawBufferPointer { file.bytes }

    func fail(_ problem: ZipProblem, at offset: Int?) -> ZipError { ZipError(file: path, offset: offset, problem) }

    func entries() throws(ZipError) -> [ZipEntry] {
        let end = try findEndRecord()
        var cursor = ByteCursor(bytes)
        cursor.position = end + 10
        var count = Int(cursor.read(UInt16.self)!)
        var directorySize = Int(cursor.read(UInt32.self)!)
        var directoryOffset = Int(cursor.read(UInt32.self)!)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            (count, directorySize, directoryOffset) = try zip64End(before: end)
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw fail(.badCentralDirectory("directory of \(directorySize) bytes at \(directoryOffset) lies outside the \(bytes.count)-byte file"), at: end)
        }
        // Each central entry takes at least 46 bytes: a count beyond that is a lie, not an allocation.
        guard count <= directorySize / 46 else {
            throw fail(.badCentralDirectory("\(count) entries cannot fit in \(directorySize) bytes"), at: end)
        }
        var directory = ByteCursor(UnsafeRawBufferPointer(rebasing: bytes[directoryOffset..<directoryOffset + directorySize]), base: directoryOffset)
        var entries: [ZipEntry] = []
        entries.reserveCapacity(count)
        var misnamed: ZipError?
        for index in 0..<count {
            let entry = try centralEntry(&directory)
            misnamed = misnamed ?? localNameMismatch(entry)
            entries.append(entry)
            // Each member's local header sits before its data, all over the file, and reading one
            // faults in its page and up to 15 cached neighbours (~30 MiB for 1,500 members): drop
            // them every 64 members, so the walk's resident set stays small however many there are.
            if index % 64 == 63 || index == count - 1 { file.releasePages(0..<directoryOffset) }
        }
        if directory.remaining >= 4, directory.read(UInt32.self) == 0x0201_4B50 {
            throw fail(.badCentralDirectory("the directory holds more entries than the \(count) its end record declares"), at: directory.absolutePosition - 4)
        }
        try checkDisjoint(entries)
        if let misnamed { throw misnamed }
        return entries
    }

    /// No two members may share bytes. A zip writer never produces that; a zip bomb does (300
    /// entries over one deflate stream make every member cost the whole stream again).
    func checkDisjoint(_ entries: [ZipEntry]) throws(ZipError) {
        let ordered = entries.sorted { $0.headerOffset < $1.headerOffset }
        guard var widest = ordered.first else { return }
        for entry in ordered.dropFirst() {
            if entry.headerOffset < widest.dataRange.upperBound {
                throw fail(.overlappingMembers(first: widest.name, second: entry.name), at: entry.headerOffset)
            }
            if entry.dataRange.upperBound > widest.dataRange.upperBound { widest = entry }
        }
    }

    func findEndRecord() throws(ZipError) -> Int {
        guard bytes.count >= 22 else { throw fail(.noEndOfCentralDirectory(size: bytes.count), at: nil) }
        let lowest = max(0, bytes.count - 22 - 65_535)
        var position = bytes.count - 22
        while position >= lowest {
            if bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self) == 0x0605_4B50 { return position }
            position -= 1
        }
        throw fail(.noEndOfCentralDirectory(size: bytes.count), at: nil)
    }

    func zip64End(before end: Int) throws(ZipError) -> (Int, Int, Int) {
        let locator = end - 20
        guard locator >= 0, bytes.loadUnaligned(fromByteOffset: locator, as: UInt32.self) == 0x0706_4B50 else {
            throw fail(.badCentralDirectory("ZIP64 sizes without a ZIP64 locator"), at: end)
        }
        let recordOffset = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: locator + 8, as: UInt64.self))
        guard bytes.count >= 56, recordOffset <= UInt64(bytes.count - 56),
            bytes.loadUnaligned(fromByteOffset: Int(recordOffset), as: UInt32.self) == 0x0606_4B50
        else {
            throw fail(.badCentralDirectory("ZIP64 end record missing at \(recordOffset)"), at: locator)
        }
        var cursor = ByteCursor(bytes)
        cursor.position = Int(recordOffset) + 32
        let count = cursor.read(UInt64.self)!, size = cursor.read(UInt64.self)!, offset = cursor.read(UInt64.self)!
        let limit = UInt64(bytes.count)
        guard count <= limit, size <= limit, offset <= limit else {
            throw fail(.badCentralDirectory("ZIP64 end record values exceed the file size"), at: Int(recordOffset))
        }
        return (Int(count), Int(size), Int(offset))
    }

    func centralEntry(_ cursor: inout ByteCursor) throws(ZipError) -> ZipEntry {
        let at = cursor.absolutePosition
        guard cursor.has(46), cursor.read(UInt32.self) == 0x0201_4B50 else {
            throw fail(.badCentralDirectory("expected a central directory entry"), at: at)
        }
        _ = cursor.skip(4)
        let flags = cursor.read(UInt16.self)!, method = Int(cursor.read(UInt16.self)!)
        _ = cursor.skip(4)
        let crc = cursor.read(UInt32.self)!
        var compressed = UInt64(cursor.read(UInt32.self)!), uncompressed = UInt64(cursor.read(UInt32.self)!)
        let nameLength = Int(cursor.read(UInt16.self)!), extraLength = Int(cursor.read(UInt16.self)!), commentLength = Int(cursor.read(UInt16.self)!)
        _ = cursor.skip(8)
        var localOffset = UInt64(cursor.read(UInt32.self)!)
        guard let nameBytes = cursor.take(nameLength), let extra = cursor.take(extraLength), cursor.skip(commentLength) else {
            throw fail(.badCentralDirectory("entry runs past the end of the directory"), at: at)
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        // ZIP64 extended information: the 8-byte fields present are those whose 32-bit field is saturated.
        var extras = ByteCursor(extra)
        while extras.remaining >= 4 {
            let id = extras.read(UInt16.self)!, size = Int(extras.read(UInt16.self)!)
            guard let body = extras.take(size) else { break }
            guard id == 0x0001 else { continue }
            var fields = ByteCursor(body)
            if uncompressed == 0xFFFF_FFFF { uncompressed = fields.read(UInt64.self) ?? uncompressed }
            if compressed == 0xFFFF_FFFF { compressed = fields.read(UInt64.self) ?? compressed }
            if localOffset == 0xFFFF_FFFF { localOffset = fields.read(UInt64.self) ?? localOffset }
        }
        if flags & 1 != 0 { throw fail(.encrypted(member: name), at: at) }
        guard method == 0 || method == 8 else { throw fail(.unsupportedCompression(member: name, method: method), at: at) }
        let size = UInt64(bytes.count)
        guard localOffset <= size, compressed <= size, uncompressed <= size * 1100 + 1024 else {
            throw fail(.badCentralDirectory("member '\(name)' has offsets or sizes beyond any this file could hold"), at: at)
        }
        if method == 0 && compressed != uncompressed {
            throw fail(.sizeMismatch(member: name, declared: Int(uncompressed), actual: Int(compressed)), at: at)
        }
        let dataStart = try localData(at: Int(localOffset), name: name)
        guard dataStart <= bytes.count, Int(compressed) <= bytes.count - dataStart else {
            throw fail(.badLocalHeader("data of member '\(name)' (\(compressed) bytes at \(dataStart)) runs past the end of the file"), at: Int(localOffset))
        }
        return ZipEntry(
            name: name, method: method, crc32: crc, compressedSize: Int(compressed), uncompressedSize: Int(uncompressed),
            headerOffset: Int(localOffset), dataRange: dataStart..<dataStart + Int(compressed))
    }

    /// Where a member's data begins, from its local header.
    func localData(at offset: Int, name: String) throws(ZipError) -> Int {
        var cursor = ByteCursor(bytes)
        cursor.position = offset
        guard cursor.has(30), cursor.read(UInt32.self) == 0x0403_4B50 else {
            throw fail(.badLocalHeader("no local header signature for member '\(name)'"), at: offset)
        }
        cursor.position = offset + 26
        let nameLength = Int(cursor.read(UInt16.self)!), extraLength = Int(cursor.read(UInt16.self)!)
        return offset + 30 + nameLength + extraLength
    }

    /// The refusal of a member whose local header names it otherwise than the central directory
    /// (nil when they agree): where the two differ, a reader that walks the local headers (or
    /// repairs the archive) sees another member, so neither name can be trusted. Thrown only after
    /// `checkDisjoint`, which refuses members that share one local header as such. (`localData`
    /// checked that the name lies in the file.)
    func localNameMismatch(_ entry: ZipEntry) -> ZipError? {
        let start = entry.headerOffset + 30
        let length = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: entry.headerOffset + 26, as: UInt16.self)))
        let local = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]), as: UTF8.self)
        if local.utf8.elementsEqual(entry.name.utf8) { return nil }
        return fail(.badLocalHeader("the central directory names a member '\(entry.name)' but its local header names it '\(local)'"), at: start)
    }
}
