import COpenBLAS

/// A C library zoo links against and the version in use, for `zoo --version` and bug reports.
public struct LinkedLibrary: Sendable, Equatable {
    public let name: String
    public let version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    /// OpenBLAS as loaded: its version and build configuration, which names the kernel it picked for
    /// this processor (e.g. "0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64").
    public static var openBLAS: LinkedLibrary {
        let config = String(cString: openblas_get_config())
        return LinkedLibrary(name: "OpenBLAS", version: config.hasPrefix("OpenBLAS ") ? String(config.dropFirst("OpenBLAS ".count)) : config)
    }
}
