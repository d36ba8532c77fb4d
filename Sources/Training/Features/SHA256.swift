import CCrypto
import Foundation
import Tensors

/// SHA-256 through OpenSSL's libcrypto: of bytes, or of a file streamed in 1 MiB reads (what a
/// feature cache is keyed by: the checkpoint's content, not its name).
public final class SHA256Digest {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress { EVP_DigestUpdate(context, base, bytes.count) }
    }

    /// Adds the text's UTF-8 bytes and a zero byte, so that consecutive texts cannot run together.
    public func update(_ text: String) {
        var text = text + "\0"
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The digest as 64 lower-case hex digits; nothing may be added afterwards.
    public func hex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The digest of the file at `path`, read in 1 MiB chunks.
    public static func file(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw TrainingError.unreadable(path) }
        defer { try? handle.close() }
        let digest = SHA256Digest()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { digest.update($0) }
        }
        return digest.hex()
    }
}
