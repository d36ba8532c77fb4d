import CheckpointFormats
import Foundation
import TestSupport

/// formats/images/expected.json (written by formats/images/generate.py from PIL and torchvision).
struct ImageFixtures: Decodable, Sendable {
    struct File: Decodable, Sendable {
        let mode: String
        let sizeWh: [Int]
        let decodedRgbCrc32: UInt32
        let firstPixels: [[UInt8]]
        let zooDiffersFromPil: String?
        let pilDecodedRgbCrc32: UInt32?
    }

    struct Tensor: Decodable, Sendable {
        let shape: [Int]
        let crc32: UInt32
        let first: [Double]
    }

    /// One torchvision Compose([Resize, CenterCrop, ToTensor, Normalize]) run.
    struct Preprocessing: Decodable, Sendable, CustomStringConvertible {
        let file: String
        let resize: Int
        let crop: Int
        let filter: String
        let mean: [Double]
        let std: [Double]
        let resizedSizeWh: [Int]
        let resizedRgbCrc32: UInt32
        let cropRgbCrc32: UInt32
        let tensor: Tensor
        let tensorCenter: [Double]

        var description: String { "\(file) resize \(resize) crop \(crop) \(filter)" }
    }

    /// One entry of malformed/cases.json.
    struct MalformedFile: Decodable, Sendable, CustomStringConvertible {
        let file: String
        let problem: String
        let message: String?
        let description: String
    }

    let files: [String: File]
    let preprocessing: [Preprocessing]

    static let expected: ImageFixtures = try! decodeFixture("images", "expected.json")
    static let malformed: [MalformedFile] = try! decodeFixture("images", "malformed/cases.json")

    static func path(_ name: String) -> String { Fixtures.path("images", name) }
}

/// `formats/<folder>/<name>` decoded from JSON, snake_case keys read as camelCase properties.
func decodeFixture<T: Decodable>(_ folder: String, _ name: String) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path(folder, name))))
}

/// zlib's CRC-32, as the generators record it (CheckpointFormats' CRC32, reached through TestSupport).
func crc32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { CRC32.checksum($0) } }

/// The CRC-32 of float32 values' little-endian bytes.
func crc32(_ values: [Float]) -> UInt32 { values.withUnsafeBytes { CRC32.checksum($0) } }
