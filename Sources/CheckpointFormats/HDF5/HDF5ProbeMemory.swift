import Foundation

/// The most bytes `zoo-hdf5-probe` may decode for one dataset: a gzip-compressed dataset of
/// 2.5 GiB fits in a file of a few megabytes, and libhdf5 decodes it whole. A dataset over the
/// limit is refused as a limit reached (exit code 4), not as a malformed file.
/// `ZOO_HDF5_PROBE_MEMORY` sets it (bytes, or a number with K, M or G: binary units); the default
/// is half the machine's physical memory.
public enum HDF5ProbeMemory {
    public static let variable = "ZOO_HDF5_PROBE_MEMORY"

    /// The limit in bytes that `environment` sets, else the default.
    public static func limit(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        environment[variable].flatMap(bytes(in:)) ?? Int(ProcessInfo.processInfo.physicalMemory / 2)
    }

    /// "4G" → 4,294,967,296; nil unless a positive number with an optional K, M or G.
    static func bytes(in text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let unit = text.last.flatMap { units[Character($0.uppercased())] }
        guard let number = Int(unit == nil ? text : String(text.dropLast())), number > 0 else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
        return overflow ? Int.max : bytes
    }
}

/// How long `zoo-hdf5-probe` may take: ten seconds plus one per 25 MB of file (gzip decodes faster),
/// or `ZOO_HDF5_PROBE_SECONDS`. A probe past it is killed and the file refused as a limit reached
/// (exit code 4), since a slow legitimate file and a structure libhdf5 loops on look the same.
public enum HDF5ProbeTime {
    public static let variable = "ZOO_HDF5_PROBE_SECONDS"

    /// The limit in seconds for a file of `bytes`, as `environment` sets it, else the default.
    public static func limit(fileBytes bytes: Int, _ environment: [String: String] = ProcessInfo.processInfo.environment) -> Double {
        if let text = environment[variable], let seconds = Double(text), seconds > 0, seconds.isFinite { return seconds }
        return 10 + Double(bytes) / 25e6
    }
}
