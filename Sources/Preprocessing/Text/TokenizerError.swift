/// Why a tokenizer's vocabulary or merges file could not be loaded. Every case names the file,
/// and the line (1-based) where the problem is in it, so a broken file can be fixed by hand.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read, or is not UTF-8.
    case unreadable(file: String, reason: String)
    /// A line that does not have the shape the format requires.
    case malformedLine(file: String, line: Int, reason: String)
    /// A token (or merge) listed a second time; `firstLine` is where it first appears.
    case duplicate(file: String, line: Int, entry: String, firstLine: Int)
    /// A special token the tokenizer needs ([CLS], <s>, …) is not in the vocabulary.
    case missingSpecialToken(file: String, token: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            "\(file): cannot read: \(reason)"
        case .malformedLine(let file, let line, let reason):
            "\(file):\(line): \(reason)"
        case .duplicate(let file, let line, let entry, let firstLine):
            "\(file):\(line): '\(entry)' already appears on line \(firstLine)"
        case .missingSpecialToken(let file, let token):
            "\(file): the special token '\(token)' is not in the vocabulary"
        }
    }
}
