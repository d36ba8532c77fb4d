import CZlibShim
import Synchronization
import Tensors

/// CRC-32 (the zip and PNG polynomial) through zlib. Large buffers are split across the cores
/// (`parallelChunks`) and the parts' CRCs joined with `crc32_combine`, so checksumming runs at
/// several times one core's speed without holding more memory.
public enum CRC32 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        let parts = Mutex<[(start: Int, count: Int, crc: UInt)]>([])
        parallelChunks(count: bytes.count, minimumChunk: 2 << 20) { range in
            let part = crc32_z(0, (base + range.lowerBound).assumingMemoryBound(to: UInt8.self), range.count)
            parts.withLock { $0.append((range.lowerBound, range.count, part)) }
        }
        var combined = UInt(crc)
        for part in parts.withLock({ $0 }).sorted(by: { $0.start < $1.start }) {
            combined = crc32_combine(combined, part.crc, part.count)
        }
        return UInt32(combined)
    }
}
