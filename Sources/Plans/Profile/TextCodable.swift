/// A value that task files and plans write as its text form (`gpu:a100`, `input:medical`), so the
/// files read as a user types the flags.
public protocol TextCodable: Codable, LosslessStringConvertible {
    /// What the text may be, for the error when it is not (`cpu, gpu:CLASS or NxGPU:CLASS`).
    static var accepted: String { get }
}

extension TextCodable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not one of: \(Self.accepted)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
