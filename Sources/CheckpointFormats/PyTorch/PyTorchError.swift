/// Everything that can be wrong with a PyTorch checkpoint or the pickle inside it.
public enum PyTorchProblem: FormatProblem {
    case truncated(String)
    case unknownOpcode(UInt8)
    case stackUnderflow(opcode: String)
    case badMemo(Int)
    case badStructure(String)
    /// Containers nested deeper than the unpickler's limit.
    case tooDeep(limit: Int)
    /// A global outside zoo's allow-list: refused, never imported or called.
    case forbiddenGlobal(String)
    case missingStorage(String)
    case storageTooSmall(storage: String, needed: Int, available: Int)
    case badShape(String)
    /// A view expanded past its storage (strides of 0) beyond what zoo materialises: unsupported.
    case expandedView(elements: Int, stored: Int, bytes: Int, limit: Int)
    case notAStateDict(String)
    /// The pickle builds more values than a checkpoint plausibly needs (see `PickleLimit`).
    case tooManyValues(String)

    public static let formatName = "pytorch"

    public var description: String {
        switch self {
        case .truncated(let what): "truncated: \(what)"
        case .unknownOpcode(let code): "unknown pickle opcode 0x\(String(code, radix: 16))"
        case .stackUnderflow(let opcode): "pickle stack underflow at \(opcode)"
        case .badMemo(let index): "pickle memo has no entry \(index)"
        case .badStructure(let why): "unexpected pickle structure: \(why)"
        case .tooDeep(let limit): "objects nested more than \(limit) levels deep (zoo's limit; a checkpoint needs a few)"
        case .forbiddenGlobal(let name):
            "refused to load global '\(name)': it is not on zoo's allow-list (zoo never runs code from a checkpoint; this file may be malicious)"
        case .missingStorage(let key): "storage '\(key)' is referenced but not present"
        case .storageTooSmall(let storage, let needed, let available):
            "storage '\(storage)' holds \(available) elements but the tensor needs \(needed)"
        case .badShape(let why): "invalid tensor geometry: \(why)"
        case .expandedView(let elements, let stored, let bytes, let limit):
            "an expanded view (strides of 0 or overlapping) of \(stored) stored elements as \(elements) elements would take \(bytes) bytes; "
                + "zoo materialises expanded views up to \(limit) bytes (save the tensor with .contiguous() or .clone() if it is meant to be that large)"
        case .notAStateDict(let why): "no tensors found: \(why)"
        case .tooManyValues(let limit): "the pickle builds too many values: \(limit)"
        }
    }
}

extension PyTorchProblem {
    /// Whether the file was refused for naming code to run (as opposed to being malformed).
    public var isForbiddenGlobal: Bool {
        if case .forbiddenGlobal = self { return true }
        return false
    }

    /// Whether the file is valid but holds what zoo does not support (an expanded view too large to materialise).
    public var isUnsupported: Bool {
        if case .expandedView = self { return true }
        return false
    }
}

public typealias PyTorchError = FormatError<PyTorchProblem>
