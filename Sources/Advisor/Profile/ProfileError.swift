/// Why a task request (profile, budget, preferences) or a plan was refused: the field, named as
/// the task file and the flags name it (`max_latency_ms`) or by its JSON path in a plan
/// (`optimizer.head_learning_rate`), and what is wrong with its value.
public struct ProfileError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
