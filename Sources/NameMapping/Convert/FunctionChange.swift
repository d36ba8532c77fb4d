/// How a conversion's target computes another function than its source: what
/// `zoo convert --to` refuses unless accepted, and otherwise warns about.
public struct FunctionChange: Sendable, Equatable {
    public let source: Convention
    public let target: Convention
    /// The differences the target adds or drops (described).
    public let differences: [String]
    /// Whether a whole Keras model (`--to keras3 OUT.keras`) would keep the source's function.
    public let wholeKerasModel: Bool

    /// The way to keep the source's function, when there is one, to lead any message with.
    public var remedy: String? {
        wholeKerasModel ? "to keep the source's function in Keras, write a whole model instead: --to keras3 OUT.keras" : nil
    }

    /// What differs, in one sentence.
    public var summary: String {
        "\(target) weights compute the model differently from the \(source) source (\(differences.joined(separator: "; "))), so their outputs differ"
    }
}
