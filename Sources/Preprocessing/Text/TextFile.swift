import Foundation
import Tensors

/// A tokenizer file read whole and checked to be UTF-8, kept as bytes: tokens are compared byte
/// for byte (see `Vocabulary`), and loaders report problems by line number.
struct TextFile {
    let path: String
    let bytes: [UInt8]

    init(path: String) throws(TokenizerError) {
        do {
            bytes = try RegularFile.read(path)
        } catch {
            throw .unreadable(file: path, reason: error.message)
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .unreadable(file: path, reason: "not valid UTF-8")
        }
        self.path = path
    }

    /// The lines with their 1-based numbers, split at "\n" with a trailing "\r" removed; a final
    /// newline does not start another line.
    var lines: [(number: Int, bytes: ArraySlice<UInt8>)] {
        var parts = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts.enumerated().map { index, line in
            (index + 1, line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
        }
    }
}
