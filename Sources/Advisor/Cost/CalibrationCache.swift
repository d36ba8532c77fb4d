import CheckpointFormats
import Foundation

/// Where the calibration is kept between runs: `calibration.json` in `$ZOO_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/zoo`, else `~/.cache/zoo`. A file that is missing, unreadable, corrupt or
/// measured for another key (processor, thread count, calibration version) is measured again.
public enum CalibrationCache {
    public static let fileName = "calibration.json"

    /// The cache folder the environment names.
    public static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["ZOO_CACHE_DIR"], !folder.isEmpty { return folder }
        if let folder = environment["XDG_CACHE_HOME"], !folder.isEmpty { return folder + "/zoo" }
        return NSHomeDirectory() + "/.cache/zoo"
    }

    /// The cached calibration in `folder` when it is readable and measured for `key`; nil otherwise.
    public static func load(folder: String = defaultFolder, key: Calibration.Key = .current) -> Calibration? {
        guard let data = FileManager.default.contents(atPath: folder + "/" + fileName),
              let calibration = try? JSONDecoder().decode(Calibration.self, from: data), calibration.key == key else { return nil }
        return calibration
    }

    /// Writes `calibration` into `folder` (created when missing), atomically.
    public static func store(_ calibration: Calibration, folder: String = defaultFolder) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(calibration)), to: folder + "/" + fileName)
    }

    /// The calibration for this machine: the cached one when valid (and not `force`d), else a
    /// fresh `measure()`, stored for next time. `cached` says which.
    public static func current(
        folder: String = defaultFolder, key: Calibration.Key = .current, force: Bool = false,
        measure: () throws -> Calibration = { try Calibration.measure() }
    ) throws -> (calibration: Calibration, cached: Bool) {
        if !force, let cached = load(folder: folder, key: key) { return (cached, true) }
        let measured = try measure()
        try store(measured, folder: folder)
        return (measured, false)
    }
}
