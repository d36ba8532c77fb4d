import CHDF5
import CZlibShim
import Tensors

extension LinkedLibrary {
    /// libhdf5 as loaded (`H5get_libversion`).
    public static var hdf5: LinkedLibrary {
        var (major, minor, release): (UInt32, UInt32, UInt32) = (0, 0, 0)
        H5get_libversion(&major, &minor, &release)
        return LinkedLibrary(name: "libhdf5", version: "\(major).\(minor).\(release)")
    }

    /// zlib as loaded (`zlibVersion`).
    public static var zlib: LinkedLibrary { LinkedLibrary(name: "zlib", version: String(cString: zlibVersion())) }
}
