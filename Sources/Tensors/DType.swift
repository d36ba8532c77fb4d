/// Element types a checkpoint can hold. The raw value is the safetensors spelling, which is also
/// the name zoo prints. F8 types are carried as opaque bytes: zoo never computes with them.
public enum DType: String, CaseIterable, Sendable, Codable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
    case bool = "BOOL"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
        }
    }

    /// Floating-point types zoo can convert between (`--dtype`).
    public var isConvertibleFloat: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        default: false
        }
    }

    /// Parses a user-facing name such as `f16`, `bf16`, `float32` or the safetensors spelling.
    public init?(userName: String) {
        let aliases: [String: DType] = [
            "float64": .f64, "double": .f64, "float32": .f32, "float": .f32,
            "float16": .f16, "half": .f16, "bfloat16": .bf16,
        ]
        if let dtype = DType(rawValue: userName.uppercased()) ?? aliases[userName.lowercased()] {
            self = dtype
        } else {
            return nil
        }
    }
}
