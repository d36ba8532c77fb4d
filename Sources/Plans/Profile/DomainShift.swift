/// How the user's data differs from the pre-training data, which decides where fine-tuning should
/// act (surgical fine-tuning, Lee et al., ICLR 2023): input-level shift → early blocks, label-level
/// shift → the head and last layers. Written as `none`, `input:KIND`, `label` or `unknown`.
public enum DomainShift: Equatable, Sendable, TextCodable {
    /// What changed in the inputs.
    public enum InputKind: String, Sendable, CaseIterable {
        case camera, corruption, medical, satellite, other
    }

    case none
    case input(InputKind)
    /// Same inputs, a new label mapping.
    case label
    case unknown

    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "none": if parts.count == 1 { self = .none } else { return nil }
        case "label": if parts.count == 1 { self = .label } else { return nil }
        case "unknown": if parts.count == 1 { self = .unknown } else { return nil }
        case "input":
            guard let kind = parts.count == 2 ? InputKind(rawValue: parts[1]) : .other else { return nil }
            self = .input(kind)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .input(let kind): "input:\(kind.rawValue)"
        case .label: "label"
        case .unknown: "unknown"
        }
    }

    /// The spellings accepted, for error messages and prompts.
    public static let accepted = "none, input:" + InputKind.allCases.map(\.rawValue).joined(separator: "|") + ", label or unknown"
}
