/// Why a plan could not be compiled or run; each case names the weight, node or input at fault.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case missingWeight(name: String, source: String)
    case wrongShape(name: String, expected: [Int], found: [Int], source: String)
    case unreadableWeight(name: String, source: String, reason: String)
    case unsupported(node: String, what: String)
    case wrongInput(expected: String, found: String)
    case tokenOutOfRange(node: String, sample: Int, position: Int, id: Int, tableSize: Int)

    public var description: String {
        switch self {
        case .missingWeight(let name, let source):
            "\(source): no tensor '\(name)', which the model needs (zoo inspect lists what the file has)"
        case .wrongShape(let name, let expected, let found, let source):
            "\(source): tensor '\(name)' has shape \(found), the model needs \(expected)"
        case .unreadableWeight(let name, let source, let reason):
            "\(source): tensor '\(name)' cannot be used as float32: \(reason)"
        case .unsupported(let node, let what):
            "node '\(node)': the engine does not support \(what)"
        case .wrongInput(let expected, let found):
            "wrong input: the plan takes \(expected), got \(found)"
        case .tokenOutOfRange(let node, let sample, let position, let id, let tableSize):
            "input \(sample), position \(position): id \(id) is outside '\(node)' (\(tableSize) rows)"
        }
    }
}
