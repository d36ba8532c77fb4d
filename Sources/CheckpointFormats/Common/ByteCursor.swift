/// Bounds-checked little-endian reads over untrusted bytes. Every read checks the remaining
/// length first and reports the absolute offset it failed at.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    /// Absolute offset of `bytes[0]` within the file, for error messages.
    let base: Int
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer, base: Int = 0) {
        self.bytes = bytes
        self.base = base
    }

    var remaining: Int { bytes.count - position }
    var absolutePosition: Int { base + position }

    /// Whether `count` more bytes are available.
    func has(_ count: Int) -> Bool { count >= 0 && count <= remaining }

    mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard has(MemoryLayout<T>.size) else { return nil }
        defer { position += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard has(count) else { return nil }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard has(count) else { return false }
        position += count
        return true
    }
}
