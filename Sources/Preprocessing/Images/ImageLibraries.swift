import CJPEG
import CPNG
import Tensors

extension LinkedLibrary {
    /// libjpeg-turbo, by the version its headers declared at build time (libjpeg has no run-time query).
    public static var libjpeg: LinkedLibrary {
        let number = Int(zoo_jpeg_turbo_version())
        return LinkedLibrary(name: "libjpeg-turbo", version: "\(number / 1_000_000).\(number / 1000 % 1000).\(number % 1000)")
    }

    /// libpng as loaded (`png_access_version_number`).
    public static var libpng: LinkedLibrary {
        let number = Int(png_access_version_number())
        return LinkedLibrary(name: "libpng", version: "\(number / 10000).\(number / 100 % 100).\(number % 100)")
    }
}
