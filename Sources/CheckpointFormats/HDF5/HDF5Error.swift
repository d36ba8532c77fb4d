/// Everything that can be wrong with an HDF5 checkpoint. libhdf5 parses the file; its own
/// explanation (the error stack) is kept in the message.
public enum HDF5Problem: FormatProblem, Codable {
    /// libhdf5 could not open the file (not HDF5, truncated, corrupted metadata).
    case openFailed(String)
    /// An object inside the file could not be opened or inspected.
    case badObject(String)
    /// A dataset's data could not be read (a corrupted chunk, data past the end of the file).
    case readFailed(String)
    /// Contiguous data that lies past the end of the file.
    case dataOutsideFile(address: Int, bytes: Int, fileSize: Int)
    /// A weight that is not an integer, IEEE float or boolean array.
    case unsupportedType(String)
    /// The Keras attributes (`layer_names`, `weight_names`) disagree with the groups and datasets.
    case badKerasLayout(String)
    case badShape(String)
    /// A dataset whose raw data is stored in other files (external storage, a virtual dataset):
    /// refused, since reading it would copy whatever those paths name into the output.
    case dataInOtherFiles(String)
    /// libhdf5 crashed (or hung) decoding the file, in the child process zoo parses it in.
    case libraryCrashed(String)
    /// libhdf5 refused to write.
    case writeFailed(String)
    /// A dataset larger than `zoo-hdf5-probe` may decode (`HDF5ProbeMemory`): a limit, not a fault.
    case probeMemoryLimit(bytes: Int, limit: Int)
    /// `zoo-hdf5-probe` ran past its time limit (`HDF5ProbeTime`): libhdf5 looping on a crafted
    /// structure, or a legitimate file slower to decode than the limit allows.
    case probeTimeLimit(seconds: Int)

    public static let formatName = "hdf5"

    public var description: String {
        switch self {
        case .openFailed(let why): "cannot open: \(why)"
        case .badObject(let why): "unreadable object: \(why)"
        case .readFailed(let why): "cannot read data: \(why)"
        case .dataOutsideFile(let address, let bytes, let fileSize):
            "data at byte \(address) of \(bytes) bytes runs past the end of the file (\(fileSize) bytes)"
        case .unsupportedType(let what): "unsupported datatype: \(what)"
        case .badKerasLayout(let why): "inconsistent Keras weight layout: \(why)"
        case .badShape(let why): "invalid dataset shape: \(why)"
        case .dataInOtherFiles(let what): "\(what); zoo reads only data stored inside the file"
        case .libraryCrashed(let how): "libhdf5 \(how) while decoding this file's structure: the file is malformed"
        case .writeFailed(let why): "cannot write: \(why)"
        case .probeMemoryLimit(let bytes, let limit):
            "decoding this dataset takes \(bytes) bytes, over zoo-hdf5-probe's memory limit of \(limit) bytes "
                + "(a limit, not a malformed file): set \(HDF5ProbeMemory.variable) to more bytes (e.g. \(HDF5ProbeMemory.variable)=\(Self.gibibytesAbove(bytes))G) to read it"
        case .probeTimeLimit(let seconds):
            "zoo-hdf5-probe did not finish within its time limit of \(seconds) s: libhdf5 loops on this file's structure, "
                + "or the file takes longer than that to decode; for a file you trust, set \(HDF5ProbeTime.variable) to more seconds"
        }
    }
}

extension HDF5Problem {
    /// Whether the file was refused for needing more than a limit zoo sets.
    public var isResourceLimit: Bool {
        switch self {
        case .probeMemoryLimit, .probeTimeLimit: return true
        default: return false
        }
    }

    /// The whole number of GiB at or above `bytes`.
    static func gibibytesAbove(_ bytes: Int) -> Int { (bytes >> 30) + (bytes % (1 << 30) == 0 ? 0 : 1) }

    /// Whether zoo failed writing (as opposed to reading a bad file).
    public var isWriteFailure: Bool {
        if case .writeFailed = self { return true }
        return false
    }

    /// Whether the file is valid HDF5 holding a weight zoo does not support (as opposed to malformed).
    public var isUnsupported: Bool {
        if case .unsupportedType = self { return true }
        return false
    }
}

public typealias HDF5Error = FormatError<HDF5Problem>
