import CHDF5
import Tensors

/// zoo's dtypes in HDF5: little-endian integers, IEEE floats (f16 as h5py defines it) and bool as
/// h5py's enum of int8 {FALSE: 0, TRUE: 1}. HDF5 has no bfloat16 or float8.
enum HDF5Types {
    /// The dtype an HDF5 datatype holds, or a description of why zoo cannot hold it.
    static func dtype(of type: hid_t) -> Result<DType, UnsupportedType> {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            let dtypes: [Int: DType] = signed ? [1: .i8, 2: .i16, 4: .i32, 8: .i64] : [1: .u8, 2: .u16, 4: .u32, 8: .u64]
            let (precision, offset) = (H5Tget_precision(type), Int(H5Tget_offset(type)))
            if size == 0 || offset < 0 || precision + offset > size * 8 || size * 8 - precision > maxUnusedBits {
                return .failure(UnsupportedType("an impossible integer type (\(size) bytes, \(precision) bits at bit \(offset))", malformed: true))
            }
            guard let dtype = dtypes[size], precision == size * 8, offset == 0 else {
                return .failure(UnsupportedType("a \(size * 8)-bit integer with unusual precision"))
            }
            return .success(dtype)
        case H5T_FLOAT:
            var sign = 0, exponentAt = 0, exponentBits = 0, mantissaAt = 0, mantissaBits = 0
            H5Tget_fields(type, &sign, &exponentAt, &exponentBits, &mantissaAt, &mantissaBits)
            let layout = [size, sign, exponentAt, exponentBits, mantissaAt, mantissaBits, H5Tget_ebias(type)]
            if !fieldsFit(bits: size * 8, sign: sign, exponent: exponentAt..<exponentAt + exponentBits, mantissa: mantissaAt..<mantissaAt + mantissaBits)
                || size * 8 - H5Tget_precision(type) > maxUnusedBits {
                return .failure(UnsupportedType("an impossible float type (\(size) bytes, fields \(layout.dropFirst()))", malformed: true))
            }
            switch layout {
            case [2, 15, 10, 5, 0, 10, 15]: return .success(.f16)
            case [2, 15, 7, 8, 0, 7, 127]: return .success(.bf16)
            case [4, 31, 23, 8, 0, 23, 127]: return .success(.f32)
            case [8, 63, 52, 11, 0, 52, 1023]: return .success(.f64)
            default: return .failure(UnsupportedType("a non-IEEE float (size \(size), fields \(layout.dropFirst()))"))
            }
        case H5T_ENUM:
            guard isBoolEnum(type) else { return .failure(UnsupportedType("an enum other than h5py's bool")) }
            return .success(.bool)
        case H5T_STRING: return .failure(UnsupportedType("strings"))
        case H5T_COMPOUND: return .failure(UnsupportedType("a compound type"))
        case H5T_VLEN: return .failure(UnsupportedType("variable-length sequences"))
        case H5T_ARRAY: return .failure(UnsupportedType("an array type"))
        case H5T_REFERENCE: return .failure(UnsupportedType("references"))
        case H5T_OPAQUE: return .failure(UnsupportedType("opaque data"))
        case H5T_BITFIELD: return .failure(UnsupportedType("a bitfield"))
        default: return .failure(UnsupportedType("an unknown type class"))
        }
    }

    /// Why zoo cannot hold a datatype; `malformed` when no valid file has it (a corrupted type
    /// message: libhdf5 1.10 decodes it without checking, later versions refuse it).
    struct UnsupportedType: Error {
        let what: String
        let malformed: Bool
        init(_ what: String, malformed: Bool = false) {
            self.what = what
            self.malformed = malformed
        }
    }

    /// More bits than this beside a number's precision mark a corrupted size (libhdf5 1.14 refuses
    /// such a type; an x87 long double, the widest real one, leaves 48).
    private static let maxUnusedBits = 64

    /// Whether a float's sign bit, exponent and mantissa lie inside its `bits` without overlapping.
    private static func fieldsFit(bits: Int, sign: Int, exponent: Range<Int>, mantissa: Range<Int>) -> Bool {
        guard bits > 0, (0..<bits).contains(sign), !exponent.isEmpty, !mantissa.isEmpty,
            exponent.lowerBound >= 0, mantissa.lowerBound >= 0, exponent.upperBound <= bits, mantissa.upperBound <= bits
        else { return false }
        return !exponent.contains(sign) && !mantissa.contains(sign) && !exponent.overlaps(mantissa)
    }

    /// h5py's bool: an enum over a 1-byte integer whose members are exactly FALSE = 0, TRUE = 1.
    private static func isBoolEnum(_ type: hid_t) -> Bool {
        guard H5Tget_size(type) == 1, H5Tget_nmembers(type) == 2 else { return false }
        var members: [String: Int8] = [:]
        for index in 0..<UInt32(2) {
            guard let name = H5Tget_member_name(type, index) else { return false }
            defer { H5free_memory(name) }
            var value: Int8 = -1
            guard H5Tget_member_value(type, index, &value) >= 0 else { return false }
            members[String(cString: name)] = value
        }
        return members == ["FALSE": 0, "TRUE": 1]
    }

    /// The dtypes zoo can write to HDF5.
    static let writable: Set<DType> = [.f16, .f32, .f64, .i8, .i16, .i32, .i64, .u8, .u16, .u32, .u64, .bool]

    /// A file type for `dtype`, one of `writable`, owned by `scope`.
    static func fileType(for dtype: DType, in scope: HDF5Scope) -> hid_t {
        switch dtype {
        case .f32: return scope.own(H5Tcopy(zoo_h5t_ieee_f32le()), H5Tclose)
        case .f64: return scope.own(H5Tcopy(zoo_h5t_ieee_f64le()), H5Tclose)
        case .f16:
            let type = scope.own(H5Tcopy(zoo_h5t_ieee_f32le()), H5Tclose)
            H5Tset_fields(type, 15, 10, 5, 0, 10)
            H5Tset_size(type, 2)
            H5Tset_ebias(type, 15)
            return type
        case .bool:
            let type = scope.own(H5Tenum_create(zoo_h5t_native_int8()), H5Tclose)
            var no: Int8 = 0, yes: Int8 = 1
            H5Tenum_insert(type, "FALSE", &no)
            H5Tenum_insert(type, "TRUE", &yes)
            return type
        default:
            precondition(writable.contains(dtype), "\(dtype) has no HDF5 type")
            let signed: Set<DType> = [.i8, .i16, .i32, .i64]
            return scope.own(H5Tcopy(zoo_h5t_std_le(signed.contains(dtype) ? 1 : 0, dtype.size)), H5Tclose)
        }
    }

    /// The type to read `fileType` into: the same type, little-endian, so libhdf5 at most swaps bytes.
    static func memoryType(reading fileType: hid_t, in scope: HDF5Scope) -> hid_t {
        let type = scope.own(H5Tcopy(fileType), H5Tclose)
        if H5Tget_size(fileType) > 1 && H5Tget_class(fileType) != H5T_ENUM { H5Tset_order(type, H5T_ORDER_LE) }
        return type
    }
}
