import Foundation
import ZIPFoundation

/// Archives built and read by ZIPFoundation: an independent zip implementation to check zoo's
/// zip reader and writer against.
enum ZIPFoundationArchive {
    /// Writes a zip of `members` (stored) at `path`.
    static func make(_ path: String, members: [String: [UInt8]]) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, bytes) in members.sorted(by: { $0.key < $1.key }) {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none) { position, size in
                Data(bytes[Int(position)..<Int(position) + size])
            }
        }
    }

    /// Every member's name and extracted bytes (ZIPFoundation checks CRCs while extracting).
    static func read(_ path: String) throws -> [String: [UInt8]] {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        var members: [String: [UInt8]] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            members[entry.path] = [UInt8](data)
        }
        return members
    }
}
