/// Why `zoo export` wrote nothing.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    /// The output folder exists and holds files (replaced only with --force).
    case outputNotEmpty(String)
    /// No PyTorch library builds the plan's model under zoo's names.
    case unbuildable(model: String, reason: String)

    public var description: String {
        switch self {
        case .outputNotEmpty(let folder): "\(folder) exists and is not empty: choose another --output, or --force to replace it"
        case .unbuildable(let model, let reason): "PyTorch's libraries cannot build \(model) as zoo trains it: \(reason)"
        }
    }
}
