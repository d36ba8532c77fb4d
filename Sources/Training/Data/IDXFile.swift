import Foundation
import Tensors

/// One IDX file of unsigned bytes (MNIST's format): a 4-byte magic `00 00 08 d` (`d` dimensions),
/// `d` big-endian 32-bit sizes, then the bytes row-major. Read bounded: the header is checked
/// and its declared size refused above `maximumBytes` before anything is allocated, and the body
/// must be exactly the declared size.
struct IDXFile {
    /// The most data bytes an IDX file may declare (2 GiB).
    static let maximumBytes = 1 << 31

    let path: String
    let dimensions: [Int]
    private let input: CompressedInput

    /// The header's end: where the data starts.
    var headerBytes: Int { 4 + 4 * dimensions.count }
    var byteCount: Int { dimensions.reduce(1, *) }

    /// Opens `path` and reads its header, which must declare `dimensionCount` dimensions.
    init(_ path: String, dimensionCount: Int, what: String) throws(DataError) {
        input = try CompressedInput(path)
        self.path = path
        let magic = try input.read(4, what: "the IDX magic")
        guard magic[0] == 0, magic[1] == 0 else {
            throw .corrupt(path, byte: 0, reason: "not an IDX file (magic \(magic.map { String($0, radix: 16) }.joined(separator: " ")))")
        }
        guard magic[2] == 0x08 else { throw .corrupt(path, byte: 2, reason: "element type 0x\(String(magic[2], radix: 16)) is not unsigned bytes (0x08)") }
        guard Int(magic[3]) == dimensionCount else {
            throw .corrupt(path, byte: 3, reason: "\(magic[3]) dimensions, but \(what) have \(dimensionCount)")
        }
        let sizes = try input.read(4 * dimensionCount, what: "the IDX header")
        dimensions = (0..<dimensionCount).map { dimension in
            sizes[(4 * dimension)..<(4 * dimension + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        var total = 1
        for (dimension, size) in dimensions.enumerated() {
            guard size > 0 || dimension == 0 else { throw .corrupt(path, byte: 4 + 4 * dimension, reason: "dimension \(dimension) is 0") }
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Self.maximumBytes else {
                throw .corrupt(path, byte: 4, reason: "the header declares \(dimensions.map(String.init).joined(separator: "×")) bytes, more than the \(Self.maximumBytes) an IDX file may hold")
            }
            total = product
        }
    }

    /// The data: exactly the declared bytes, nothing after them.
    func body() throws(DataError) -> [UInt8] {
        let bytes = try input.read(byteCount, what: declared)
        try expectEnd()
        return bytes
    }

    /// The data, exactly the declared bytes, memory-mapped so that it costs no memory the kernel
    /// cannot page out: a plain file in place; a gzip file inflated a chunk at a time into a scratch
    /// file that is unlinked as soon as it is created (nothing is left behind, even after SIGKILL).
    func mappedBody() throws(DataError) -> TensorStorage {
        guard input.isCompressed else {
            let file: MappedFile
            do { file = try MappedFile(path: path) } catch { throw .unreadable(path, reason: error.message) }
            let available = file.count - headerBytes
            guard available >= byteCount else { throw CompressedInput.short(path, at: file.count, missing: byteCount - available, of: declared) }
            guard available == byteCount else { throw .corrupt(path, byte: headerBytes + byteCount, reason: trailing) }
            return TensorStorage(file: file, range: headerBytes..<headerBytes + byteCount)
        }
        var template = Array((NSTemporaryDirectory() + "/zoo-idx-XXXXXX").utf8CString)
        let scratch = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard scratch >= 0 else { throw .unreadable(path, reason: "no scratch file for its decompressed bytes: \(String(cString: strerror(errno)))") }
        defer { close(scratch) }
        unlink(String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        try input.read(byteCount, what: declared) { (chunk) throws(DataError) in
            guard Glibc.write(scratch, chunk.baseAddress, chunk.count) == chunk.count else {
                throw .unreadable(path, reason: "cannot write its decompressed bytes to a scratch file: \(String(cString: strerror(errno)))")
            }
        }
        try expectEnd()
        let mapped: MappedFile
        do { mapped = try MappedFile(descriptor: scratch, size: byteCount, path: path) } catch { throw .unreadable(path, reason: error.message) }
        return TensorStorage(file: mapped, range: 0..<byteCount)
    }

    private var declared: String { "the \(dimensions.map(String.init).joined(separator: "×")) bytes the header declares" }
    private var trailing: String { "data goes on after the \(byteCount) bytes the header declares" }

    private func expectEnd() throws(DataError) {
        if try input.hasMore() { throw .corrupt(path, byte: input.offset, reason: trailing) }
    }
}
