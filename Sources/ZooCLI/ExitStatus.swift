import ArgumentParser
import ModelZoo

/// zoo's exit codes, documented in the README and `zoo --help`.
enum ExitStatus: Int32 {
    /// Success.
    case ok = 0
    /// The command line was wrong (unknown option, missing argument, bad value), or an output
    /// would replace a file the input reads, or a link, device node, FIFO or socket.
    case usage = 1
    /// An input file is malformed, unrecognised, missing or unreadable.
    case badInput = 2
    /// A bug in zoo, or an output that could not be written.
    case internalError = 3
    /// The input is valid but zoo does not support it (yet): a recognised format it cannot read,
    /// an output format that cannot hold the data, or (`zoo export`) a model no PyTorch library
    /// builds as zoo trains it.
    case unsupported = 4
    /// The file asks to run code (a pickle naming a global outside the allow-list): refused, nothing ran.
    case refused = 5
    /// The checkpoint does not match the model: a tensor missing, mis-shaped, of the wrong dtype or
    /// unaccounted for, or outputs that differ from the reference.
    case mismatch = 6
    /// `zoo advise`: nothing fits the budget and deployment constraints; the plan written is the
    /// nearest candidate, and its warnings say what would make it fit.
    case infeasible = 7
    /// `zoo finetune`: the plan's estimates exceed its budget; nothing ran (`--force` runs it anyway).
    case overBudget = 8
    /// `zoo finetune`: stopped by SIGINT or SIGTERM after writing a checkpoint; `--resume` continues it.
    case interrupted = 9

    static let summary = """
        Exit codes: 0 ok · 1 usage error · 2 bad input (malformed, unknown or unreadable file) · \
        3 internal error or failed write · 4 unsupported (format recognised but not supported, output cannot hold the data, a model zoo export cannot build, or a limit reached: the message names it and its variable) · \
        5 refused (a pickle that would run code; nothing ran) · \
        6 mismatch (a checkpoint that does not fit the model: missing, mis-shaped or unexpected tensors, or different outputs) · \
        7 infeasible (zoo advise: nothing fits the budget and constraints; the plan written is the nearest, see its warnings) · \
        8 over budget (zoo finetune: the plan's estimates exceed its budget; --force runs it) · \
        9 interrupted (zoo finetune: a signal stopped it after a checkpoint; --resume continues)
        """

    init(for error: Error) {
        switch error {
        case is ValidationError, is CleanExit: self = .usage
        case _ where Zoo.isArgumentParserError(error): self = .usage
        case let error as CheckpointError:
            switch error {
            case .unknownFormat, .noSuchTensor, .nothingToConvert: self = .badInput
            case .notImplemented, .unsupportedOutput: self = .unsupported
            case .outputIsSource, .specialOutput: self = .usage
            }
        case let error as PyTorchError where error.problem.isForbiddenGlobal: self = .refused
        case let error as PyTorchError where error.problem.isUnsupported: self = .unsupported
        case let error as HDF5Error where error.problem.isWriteFailure: self = .internalError
        case let error as HDF5Error where error.problem.isUnsupported || error.problem.isResourceLimit: self = .unsupported
        case let error as NumPyError where error.problem.isUnsupported: self = .unsupported
        case let error as FileError: self = error.access == .reading ? .badInput : .internalError
        case _ where isCheckpointInputError(error): self = .badInput
        case is DTypeConversionError: self = .unsupported
        case is ImageError, is TokenizerError: self = .badInput
        case let error as SentencePoolingError:
            if case .unsupportedPooling = error { self = .unsupported } else { self = .badInput }
        case is DataError, is NpyInput.Problem: self = .badInput
        case let error as LogMEError:
            if case .decompositionFailed = error { self = .internalError } else { self = .badInput }
        case is VerificationFailed: self = .mismatch
        case let error as TrainingError:
            switch error {
            case .unreadable, .badExample, .dataMismatch, .cannotResume: self = .badInput
            case .runFolderExists: self = .usage
            case .overBudget: self = .overBudget
            case .interrupted: self = .interrupted
            case .unsupported: self = .unsupported
            }
        case let error as ExportError:
            switch error {
            case .outputNotEmpty: self = .usage
            case .unbuildable: self = .unsupported
            }
        case let error as ProfileError: self = error.isBadInput ? .badInput : .usage
        case is UnknownModelName: self = .usage
        case is HubCacheError: self = .badInput
        case is TaskFileError: self = .badInput
        case is NothingFits: self = .infeasible
        case let error as MappingError:
            switch error {
            case .unknownModel, .unsupportedConvention, .wholeModelTarget: self = .usage
            case .unsupportedKerasModel: self = .unsupported
            case .unidentified, .missingTensor, .notInGraph: self = .badInput
            case .unmappedTensors, .incomplete, .outputMismatch, .differentFunction: self = .mismatch
            }
        case let error as EngineError:
            if case .unsupported = error { self = .unsupported } else { self = .badInput }
        default: self = .internalError
        }
    }
}
