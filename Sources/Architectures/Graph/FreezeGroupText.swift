/// A freeze group's text form, `description`'s (`stem`, `stage3`, `embeddings`, `layer11`,
/// `pooler`, `head`): how plan.json, flags and reports name groups, so a plan is typed on reading
/// and a misspelt group is refused where it is written.
extension FreezeGroup: LosslessStringConvertible, Codable {
    public init?(_ text: String) {
        switch text {
        case "stem": self = .stem
        case "embeddings": self = .embeddings
        case "pooler": self = .pooler
        case "head": self = .head
        default:
            for (prefix, make) in [("stage", FreezeGroup.stage), ("layer", FreezeGroup.layer)] where text.hasPrefix(prefix) {
                let digits = text.dropFirst(prefix.count)
                guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let index = Int(digits), index >= 0, String(index) == digits else { return nil }
                self = make(index)
                return
            }
            return nil
        }
    }

    public init(from decoder: any Swift.Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let group = FreezeGroup(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a freeze group (stem, stage<N>, embeddings, layer<N>, pooler or head)")
        }
        self = group
    }

    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
