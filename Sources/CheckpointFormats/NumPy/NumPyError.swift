/// Everything that can be wrong with a `.npy` array (alone or inside an `.npz`).
public enum NumPyProblem: FormatProblem {
    case badMagic(found: [UInt8])
    case unsupportedVersion(major: Int, minor: Int)
    case truncated(String)
    case badHeader(String)
    /// A NumPy dtype zoo does not hold (complex, strings, objects, datetimes, void, records).
    case unsupportedDescr(String)
    /// A descr that is no NumPy dtype at all.
    case badDescr(String)
    case badShape(String)
    case trailingData(expected: Int, actual: Int)

    public static let formatName = "npy"

    public var description: String {
        switch self {
        case .badMagic(let found): "does not start with the NumPy magic \\x93NUMPY (found \(found.map { String($0, radix: 16) }))"
        case .unsupportedVersion(let major, let minor): "format version \(major).\(minor) is not one of 1.0, 2.0, 3.0"
        case .truncated(let what): "truncated: \(what)"
        case .badHeader(let why): "malformed header: \(why)"
        case .unsupportedDescr(let descr): "unsupported dtype \(descr): a NumPy type zoo recognises but does not read (it reads bool, integer and float16/32/64 arrays)"
        case .badDescr(let why): "invalid dtype descr \(why)"
        case .badShape(let why): "invalid shape: \(why)"
        case .trailingData(let expected, let actual): "holds \(actual) data bytes but its shape and dtype need \(expected)"
        }
    }
}

extension NumPyProblem {
    /// Whether the array is valid NumPy that zoo does not support (as opposed to malformed).
    public var isUnsupported: Bool {
        if case .unsupportedDescr = self { return true }
        return false
    }
}

public typealias NumPyError = FormatError<NumPyProblem>
