/// Why labelled data could not be read, or cannot be used. Every case names the file or folder and,
/// where there is one, the place in it: a text file's line (1-based, the physical line where the
/// record starts), an IDX file's byte offset, or an example's index.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing at the path.
    case missing(String)
    /// The path exists but could not be read (permissions, not a regular file, not UTF-8).
    case unreadable(String, reason: String)
    /// A text file's record is wrong: ragged, a missing column or field, an empty text, a non-number.
    case malformed(String, line: Int, reason: String)
    /// A binary (IDX) file is wrong at `byte`: a bad header, counts that disagree, a truncated body.
    case corrupt(String, byte: Int, reason: String)
    /// One example is unusable: an image that does not decode (`index` in its split, when known).
    case badExample(String, index: Int?, reason: String)
    /// A validation or test example's class that the training split does not have.
    case unknownClass(String, split: String, label: String)
    /// A class folder holding no images.
    case emptyClass(String)
    /// No examples at all.
    case empty(String, expected: String)
    /// Classification data whose examples are all in one class.
    case singleClass(String, label: String)
    /// The data does not fit what was asked of it (the task kind, a column option).
    case unsuitable(String, reason: String)

    /// The file or folder the error is about.
    public var path: String {
        switch self {
        case .missing(let path), .unreadable(let path, _), .malformed(let path, _, _), .corrupt(let path, _, _),
             .badExample(let path, _, _), .unknownClass(let path, _, _), .emptyClass(let path), .empty(let path, _),
             .singleClass(let path, _), .unsuitable(let path, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .missing(let path): "\(path): no such file or folder"
        case let .unreadable(path, reason): "\(path): cannot be read: \(reason)"
        case let .malformed(path, line, reason): "\(path):\(line): \(reason)"
        case let .corrupt(path, byte, reason): "\(path): byte \(byte): \(reason)"
        case let .badExample(path, index, reason): "\(path): " + (index.map { "example \($0): " } ?? "") + reason
        case let .unknownClass(path, split, label): "\(path): label '\(label)' in \(split) is not a training class"
        case .emptyClass(let path): "\(path): class folder holds no .jpg, .jpeg or .png files"
        case let .empty(path, expected): "\(path): no examples found (expected \(expected))"
        case let .singleClass(path, label): "\(path): every example is in class '\(label)': classification needs at least two classes"
        case let .unsuitable(path, reason): "\(path): \(reason)"
        }
    }
}
