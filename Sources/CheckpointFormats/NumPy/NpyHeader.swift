import Tensors

/// The header of a `.npy` array: magic, version, and the Python dict literal giving dtype
/// (`descr`), memory order and shape.
public struct NpyHeader: Sendable, Equatable {
    public let dtype: DType
    public let bigEndian: Bool
    public let fortranOrder: Bool
    public let shape: Shape
    /// Bytes from the start of the array to its data.
    public let dataOffset: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Bytes of data the header promises.
    public var dataSize: Int { shape.elements * dtype.size }

    /// Checks that the `available` bytes after the header are exactly the data it declares;
    /// `base` is the header's absolute offset in `file`.
    func checkDataSize(available: Int, file: String, tensor: String?, base: Int) throws(NumPyError) {
        if available < dataSize {
            throw NumPyError(file: file, tensor: tensor, offset: base + dataOffset, .truncated(
                "shape \(shape.dims) of \(dtype.rawValue) needs \(dataSize) data bytes but \(available) follow the header"))
        }
        if available > dataSize {
            throw NumPyError(file: file, tensor: tensor, offset: base + dataOffset + dataSize, .trailingData(expected: dataSize, actual: available))
        }
    }

    /// Parses the header at the start of `bytes`; `base` is its absolute offset in `file`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String, tensor: String?, base: Int = 0) throws(NumPyError) -> NpyHeader {
        func fail(_ problem: NumPyProblem, at offset: Int) -> NumPyError {
            NumPyError(file: file, tensor: tensor, offset: base + offset, problem)
        }
        var cursor = ByteCursor(bytes)
        guard let magic = cursor.take(6) else { throw fail(.truncated("\(bytes.count) bytes, shorter than the magic"), at: 0) }
        guard Array(magic) == Self.magic else { throw fail(.badMagic(found: Array(magic)), at: 0) }
        guard let major = cursor.read(UInt8.self), let minor = cursor.read(UInt8.self) else {
            throw fail(.truncated("ends inside the version"), at: 6)
        }
        guard [1, 2, 3].contains(major), minor == 0 else { throw fail(.unsupportedVersion(major: Int(major), minor: Int(minor)), at: 6) }
        let length = major == 1 ? cursor.read(UInt16.self).map(Int.init) : cursor.read(UInt32.self).map(Int.init)
        guard let length else { throw fail(.truncated("ends inside the header length"), at: 8) }
        let textStart = cursor.position
        guard let text = cursor.take(length) else {
            throw fail(.truncated("header of \(length) bytes runs past the end (\(bytes.count - textStart) available)"), at: 8)
        }
        // Versions 1 and 2 are latin-1; version 3 is UTF-8. Either way the literal we accept is ASCII.
        guard text.allSatisfy({ $0 < 0x80 }) else { throw fail(.badHeader("non-ASCII bytes in the header"), at: textStart) }
        var literal = PythonLiteral(text: text, base: base + textStart)
        let fields = try literal.parseHeaderDict(file: file, tensor: tensor)
        guard case .string(let descr)? = fields["descr"] else {
            if case .list? = fields["descr"] { throw fail(.unsupportedDescr("(a structured record type)"), at: textStart) }
            throw fail(.badHeader("'descr' missing or not a string"), at: textStart)
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else { throw fail(.badHeader("'fortran_order' missing or not True/False"), at: textStart) }
        if case .overflowingTuple? = fields["shape"] { throw fail(.badShape("a dimension does not fit in 64 bits"), at: textStart) }
        guard case .tuple(let dims)? = fields["shape"] else { throw fail(.badHeader("'shape' missing or not a tuple"), at: textStart) }
        let (dtype, bigEndian) = try Self.dtype(descr, fail: { fail($0, at: textStart) })
        let shape: Shape
        do {
            shape = try Shape(dims)
            _ = try shape.byteCount(dtype)
        } catch {
            throw fail(.badShape(error.description), at: textStart)
        }
        return NpyHeader(dtype: dtype, bigEndian: bigEndian, fortranOrder: fortran, shape: shape, dataOffset: textStart + length)
    }

    private static let kinds: [String: DType] = [
        "f8": .f64, "f4": .f32, "f2": .f16, "i8": .i64, "i4": .i32, "i2": .i16, "i1": .i8,
        "u8": .u64, "u4": .u32, "u2": .u16, "u1": .u8, "b1": .bool,
    ]

    private static func dtype(_ descr: String, fail: (NumPyProblem) -> NumPyError) throws(NumPyError) -> (DType, Bool) {
        guard let order = descr.first, "<>|=".contains(order) else { throw fail(.badDescr("'\(descr)' (no byte order character)")) }
        let type = String(descr.dropFirst())
        guard let dtype = kinds[type] else {
            if type == "V2" {
                throw fail(.unsupportedDescr("'\(descr)' (raw 2-byte void, as ml_dtypes' bfloat16 is saved; zoo cannot tell what it holds)"))
            }
            if let kind = unsupportedKind(type) { throw fail(.unsupportedDescr("'\(descr)' (\(kind))")) }
            throw fail(.badDescr("'\(descr)' (not a NumPy type string)"))
        }
        if order == "|" && dtype.size > 1 { throw fail(.badDescr("'\(descr)' (no byte order for a multi-byte type)")) }
        return (dtype, order == ">" && dtype.size > 1)
    }

    /// What a NumPy type string zoo does not read holds (`c8` → "complex"), or nil when `type` is
    /// no NumPy type string at all (`x4`, `i16`).
    private static func unsupportedKind(_ type: String) -> String? {
        guard let kind = type.first else { return nil }
        var size = type.dropFirst()
        if "Mm".contains(kind), let unit = size.firstIndex(of: "["), size.last == "]" { size = size[..<unit] }  // '<M8[ns]'
        guard size.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        switch kind {
        case "c" where ["8", "16", "24", "32"].contains(size): return "complex"
        case "f" where ["12", "16"].contains(size): return "extended-precision float"
        case "S", "a": return "byte string"
        case "U": return "unicode string"
        case "V": return "raw void"
        case "O" where ["", "4", "8"].contains(size): return "Python object"
        case "M" where size == "8": return "datetime"
        case "m" where size == "8": return "timedelta"
        default: return nil
        }
    }

    /// A version 1.0 header (2.0 when the dict is too long) for a little-endian C-order array,
    /// padded with spaces and a newline so the data starts at a multiple of 64 bytes.
    public static func encode(dtype: DType, shape: Shape) -> [UInt8] {
        let descr = dtype.numpyDescr!
        let dims = shape.dims.map(String.init)
        let tuple = "(" + dims.joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")
        let dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        let prefixLength = dict.utf8.count + 1 + 10 <= 65_535 ? 10 : 12
        let padding = (64 - (prefixLength + dict.utf8.count + 1) % 64) % 64
        let text = Array(dict.utf8) + [UInt8](repeating: 0x20, count: padding) + [0x0A]
        let version: [UInt8] = prefixLength == 10 ? [1, 0] : [2, 0]
        let length = prefixLength == 10 ? le(UInt16(text.count)) : le(UInt32(text.count))
        return magic + version + length + text
    }
}

extension DType {
    /// NumPy's little-endian descr for this dtype, or nil where NumPy has no such type (BF16, F8).
    public var numpyDescr: String? {
        switch self {
        case .f64: "<f8"
        case .f32: "<f4"
        case .f16: "<f2"
        case .i64: "<i8"
        case .i32: "<i4"
        case .i16: "<i2"
        case .i8: "|i1"
        case .u64: "<u8"
        case .u32: "<u4"
        case .u16: "<u2"
        case .u8: "|u1"
        case .bool: "|b1"
        case .bf16, .f8e4m3, .f8e5m2: nil
        }
    }
}
