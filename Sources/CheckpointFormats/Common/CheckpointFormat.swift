/// Every checkpoint container zoo recognises by content, implemented or not yet.
public enum CheckpointFormat: String, Sendable, CaseIterable, Codable {
    case safetensors
    case shardedSafetensors = "safetensors-sharded"
    case npy
    case npz
    case pytorchZip = "pytorch-zip"
    case pytorchLegacy = "pytorch-legacy"
    case pickle
    case hdf5
    case tensorflowIndex = "tensorflow-index"
    case tensorflowData = "tensorflow-data"
    case gguf
    /// Keras 3's whole-model `.keras` zip (config.json + model.weights.h5).
    case kerasArchive = "keras-archive"

    /// How users know the format.
    public var displayName: String {
        switch self {
        case .safetensors: "safetensors"
        case .shardedSafetensors: "sharded safetensors (index.json)"
        case .npy: "NumPy .npy"
        case .npz: "NumPy .npz"
        case .pytorchZip: "PyTorch zip checkpoint (.pth/.bin/.pt)"
        case .pytorchLegacy: "PyTorch legacy pickle checkpoint (.pth/.bin)"
        case .pickle: "Python pickle"
        case .hdf5: "HDF5 (Keras .h5 / .weights.h5)"
        case .tensorflowIndex: "TensorFlow checkpoint index (TensorBundle)"
        case .tensorflowData: "TensorFlow checkpoint data shard"
        case .gguf: "GGUF"
        case .kerasArchive: "Keras 3 model archive (.keras)"
        }
    }

    /// Whether zoo can read this format today.
    public var isReadable: Bool { [.safetensors, .shardedSafetensors, .npy, .npz, .pytorchZip, .pytorchLegacy, .hdf5, .tensorflowIndex].contains(self) }
}

/// Errors that concern a checkpoint as a whole rather than one format's bytes.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// No signature matched; `tried` lists the formats checked.
    case unknownFormat(file: String, tried: [String])
    /// Recognised, but zoo cannot read it yet.
    case notImplemented(file: String, format: CheckpointFormat, hint: String)
    case noSuchTensor(file: String, tensor: String)
    /// A conversion would write no tensors: refused rather than writing an empty checkpoint.
    case nothingToConvert(file: String, reason: String)
    case unsupportedOutput(file: String, reason: String)
    /// The output path names the source checkpoint, which zoo never modifies.
    case outputIsSource(file: String)
    /// The output path is a symbolic link, device node, FIFO or socket (`kind` says which), which
    /// publishing would replace by a regular file; refused unless the caller asks for that.
    case specialOutput(file: String, kind: String)

    public var description: String {
        switch self {
        case .unknownFormat(let file, let tried):
            "\(file): not a checkpoint zoo recognises; tried \(tried.joined(separator: ", "))"
        case .notImplemented(let file, let format, let hint):
            "\(file): \(format.displayName) is recognised but not supported yet\(hint.isEmpty ? "" : " (\(hint))")"
        case .noSuchTensor(let file, let tensor):
            "\(file): no tensor named '\(tensor)'"
        case .nothingToConvert(let file, let reason):
            "\(file): nothing to convert: \(reason); no output written"
        case .unsupportedOutput(let file, let reason):
            "\(file): \(reason)"
        case .outputIsSource(let file):
            "\(file): is the source checkpoint; zoo never overwrites its input, choose another output path"
        case .specialOutput(let file, let kind):
            "\(file): is \(kind), which the output would replace by a regular file; choose another output path, or pass --replace-special-output to replace \(kind == "a symbolic link" ? "the link itself (its target is left alone)" : "it")"
        }
    }
}
