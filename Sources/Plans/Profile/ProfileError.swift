/// Why a task request (profile, budget, preferences) or a plan was refused: the field, named as
/// the task file and the flags name it (`max_latency_ms`) or by its JSON path in a plan
/// (`optimizer.head_learning_rate`), and what is wrong with its value.
public struct ProfileError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String
    /// The field names input that is missing, unreadable or malformed (a dataset), rather than a
    /// value that is wrong: zoo exits 2 for it, as for any bad input, instead of 1.
    public let isBadInput: Bool

    public init(_ field: String, _ reason: String, isBadInput: Bool = false) {
        self.field = field
        self.reason = reason
        self.isBadInput = isBadInput
    }

    public var description: String { "\(field): \(reason)" }
}
