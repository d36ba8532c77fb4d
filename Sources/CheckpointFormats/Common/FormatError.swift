/// What went wrong inside one format's parser or writer. Each format has its own `Problem` enum,
/// so callers and tests can match on the exact failure.
public protocol FormatProblem: CustomStringConvertible, Sendable, Equatable {
    /// The format's name as users know it, e.g. "safetensors".
    static var formatName: String { get }
}

/// A typed error that says where: the file, the tensor (when one is concerned) and the byte
/// offset (when the problem sits at one), then what was wrong.
public struct FormatError<Problem: FormatProblem>: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let tensor: String?
    public let offset: Int?
    public let problem: Problem

    public init(file: String, tensor: String? = nil, offset: Int? = nil, _ problem: Problem) {
        self.file = file
        self.tensor = tensor
        self.offset = offset
        self.problem = problem
    }

    public var description: String {
        var location = file
        if let tensor { location += ": tensor '\(tensor)'" }
        if let offset { location += ": at byte \(offset)" }
        return "\(location): \(Problem.formatName): \(problem)"
    }
}
