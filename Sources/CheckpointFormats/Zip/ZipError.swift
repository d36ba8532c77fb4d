/// Everything that can be wrong with a zip container (npz, and later PyTorch's zip checkpoints).
public enum ZipProblem: FormatProblem {
    case noEndOfCentralDirectory(size: Int)
    case badCentralDirectory(String)
    case badLocalHeader(String)
    case encrypted(member: String)
    case unsupportedCompression(member: String, method: Int)
    case crcMismatch(member: String, expected: UInt32, actual: UInt32)
    case inflateFailed(member: String, reason: String)
    case sizeMismatch(member: String, declared: Int, actual: Int)
    /// Two members whose bytes (local header and data) overlap.
    case overlappingMembers(first: String, second: String)

    public static let formatName = "zip"

    public var description: String {
        switch self {
        case .noEndOfCentralDirectory(let size): "no end-of-central-directory record in the last \(min(size, 65_557)) bytes (not a zip, or truncated)"
        case .badCentralDirectory(let why): "corrupt central directory: \(why)"
        case .badLocalHeader(let why): "corrupt local file header: \(why)"
        case .encrypted(let member): "member '\(member)' is encrypted"
        case .unsupportedCompression(let member, let method): "member '\(member)' uses compression method \(method); only stored (0) and deflate (8) are supported"
        case .crcMismatch(let member, let expected, let actual):
            "member '\(member)' fails its CRC-32 check (stored \(hex(expected)), computed \(hex(actual))): the data is corrupt"
        case .inflateFailed(let member, let reason): "member '\(member)' has a corrupt deflate stream: \(reason)"
        case .sizeMismatch(let member, let declared, let actual): "member '\(member)' declares \(declared) bytes uncompressed but holds \(actual)"
        case .overlappingMembers(let first, let second): "members '\(first)' and '\(second)' share bytes of the file: a zip writer never does that (refused as a zip bomb)"
        }
    }
}

private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

public typealias ZipError = FormatError<ZipProblem>
