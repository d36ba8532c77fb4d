/// Why a fine-tune or an evaluation stopped, naming what was wrong and where.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A file that cannot be read.
    case unreadable(String)
    /// An example that cannot be used: its origin (file, file:line) and why.
    case badExample(origin: String, reason: String)
    /// The data does not fit the plan (a class count, a modality).
    case dataMismatch(String)
    /// The run folder exists and `--force` was not given.
    case runFolderExists(String)
    /// The run would not fit the plan's budget; `--force` runs it anyway.
    case overBudget(String)
    /// The run was stopped by a signal after a checkpoint was written: `--resume` continues it.
    case interrupted(runFolder: String, step: Int)
    /// Something the trainer does not do (yet), named.
    case unsupported(String)
    /// A run folder whose checkpoint does not belong to the plan, or is damaged.
    case cannotResume(String)

    public var description: String {
        switch self {
        case .unreadable(let path): "\(path): cannot be read"
        case let .badExample(origin, reason): "\(origin): \(reason)"
        case .dataMismatch(let reason): reason
        case .runFolderExists(let path): "\(path) already exists: give another --output, --resume it, or --force to replace it"
        case .overBudget(let reason): "\(reason) (--force runs it anyway)"
        case let .interrupted(folder, step): "interrupted at step \(step); the checkpoint is in \(folder): zoo finetune --resume \(folder) continues it"
        case .unsupported(let what): what
        case .cannotResume(let reason): "cannot resume: \(reason)"
        }
    }
}
