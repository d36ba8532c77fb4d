/// Why a task profile, budget, preferences or plan was refused: the field (as the task file and
/// the flags name it) and what is wrong with its value.
public struct ProfileError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
