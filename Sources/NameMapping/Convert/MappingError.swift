/// Why a checkpoint could not be read, verified or converted through a convention.
public enum MappingError: Error, CustomStringConvertible, Equatable {
    case missingTensor(file: String, name: String)
    case notInGraph(name: String, model: String)
    case unknownModel(String)
    case unsupportedConvention(convention: String, model: String, supported: [String])
    case unidentified(file: String, reason: String)
    /// Tensors the target convention cannot hold; the options that would account for them.
    case unmappedTensors(file: String, names: [String], hint: String)
    case incomplete(file: String, missing: [String], misshaped: [String])
    case outputMismatch(file: String, what: String)
    /// A whole-model file asked of a convention that has none.
    case wholeModelTarget(convention: String)
    /// A graph node a Keras whole-model file cannot express exactly.
    case unsupportedKerasModel(node: String, reason: String)
    /// The target would compute another function than the source (refused unless accepted).
    case differentFunction(file: String, FunctionChange)

    public var description: String {
        switch self {
        case .missingTensor(let file, let name): "\(file): no tensor '\(name)'"
        case .notInGraph(let name, let model): "'\(name)' is not a parameter of \(model)"
        case .unknownModel(let name): "no model '\(name)' in the registry (zoo models list shows them)"
        case .unsupportedConvention(let convention, let model, let supported):
            "\(convention) has no names for \(model); it can be written as: \(supported.joined(separator: ", "))"
        case .unidentified(let file, let reason): "\(file): cannot tell which model this is: \(reason) (name it with --model and --convention)"
        case .unmappedTensors(let file, let names, let hint):
            "\(file): \(names.count) tensor(s) have no place in the target: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : ""); \(hint)"
        case .incomplete(let file, let missing, let misshaped):
            "\(file): \(missing.count) missing and \(misshaped.count) mis-shaped tensor(s)"
                + (missing.isEmpty ? "" : "; missing: \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", …" : "")")
                + (misshaped.isEmpty ? "" : "; mis-shaped: \(misshaped.prefix(5).joined(separator: ", "))\(misshaped.count > 5 ? ", …" : "")")
        case .outputMismatch(let file, let what): "\(file): the written file does not hold what was converted: \(what)"
        case .wholeModelTarget(let convention):
            "a .keras whole-model file is written with --to keras3 (Keras 3's names), not \(convention)"
        case let .differentFunction(file, change):
            "\(file): not written: " + (change.remedy.map { $0 + ". " } ?? "") + change.summary + "; pass --allow-different-function to write them anyway"
        case .unsupportedKerasModel(let node, let reason):
            "no Keras layer computes node '\(node)' exactly (\(reason)); write the weights alone (--format weights.h5 or h5)"
        }
    }
}
