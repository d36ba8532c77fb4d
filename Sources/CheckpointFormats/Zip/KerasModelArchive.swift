import Foundation
import Tensors

/// Writes a Keras 3 whole-model file (`.keras`): a zip of `metadata.json`, `config.json` (the
/// model's layers, for `keras.saving.load_model`) and `model.weights.h5`, stored uncompressed as
/// Keras stores it. The weights file is streamed in bounded chunks; the archive appears at `path`
/// only once complete.
public enum KerasModelArchive {
    /// The Keras version whose archive layout this is, recorded in `metadata.json`.
    public static let kerasVersion = "3.15.1"

    public static func write(config: Data, weightsFile: String, to path: String) throws {
        let output = try AtomicFile(destination: path)
        let zip = ZipWriter(output: output)
        let metadata = try JSONSerialization.data(withJSONObject: ["keras_version": kerasVersion, "date_saved": Self.now()], options: [.sortedKeys])
        for (name, bytes) in [("metadata.json", metadata), ("config.json", config)] {
            try zip.beginMember(name, size: bytes.count, deflate: false, alignment: 1)
            try zip.write([UInt8](bytes))
            try zip.endMember()
        }
        guard let weights = FileHandle(forReadingAtPath: weightsFile) else {
            throw FileError(path: weightsFile, operation: "open the staged weights", errno: ENOENT, access: .reading)
        }
        defer { try? weights.close() }
        let size = try weights.seekToEnd()
        try weights.seek(toOffset: 0)
        try zip.beginMember("model.weights.h5", size: Int(size), deflate: false, alignment: 1)
        while let chunk = try weights.read(upToCount: 1 << 22), !chunk.isEmpty {
            try chunk.withUnsafeBytes { try zip.write($0) }
        }
        try zip.endMember()
        try zip.finish()
        try output.commit()
    }

    /// Keras's `date_saved` format (`2026-11-24@04:34:19`).
    private static func now() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        return formatter.string(from: Date())
    }
}
