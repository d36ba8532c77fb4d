/// The formats `zoo convert` writes, chosen by `--format` or by the output's extension.
public enum OutputFormat: String, Sendable, CaseIterable {
    case safetensors
    case npz
    case npy
    /// torch.save's zip format.
    case pytorch
    /// Keras's legacy HDF5 weights layout (`layer_names`, `weight_names`), loadable by `load_weights`.
    case kerasH5 = "keras-h5"
    /// Keras 3's `.weights.h5`: each tensor name is the HDF5 path of its dataset.
    case kerasWeights = "keras-weights"
    /// A Keras 3 whole-model archive (`.keras`: the layers' config and the weights), which
    /// `keras.saving.load_model` rebuilds; written by a mapped conversion (`--to keras3`) only.
    case kerasModel = "keras"

    /// Extensions that select this format, most specific first across all formats.
    public var extensions: [String] {
        switch self {
        case .safetensors: [".safetensors"]
        case .npz: [".npz"]
        case .npy: [".npy"]
        case .pytorch: [".pth", ".pt", ".bin"]
        case .kerasH5: [".h5", ".hdf5"]
        case .kerasWeights: [".weights.h5"]
        case .kerasModel: [".keras"]
        }
    }

    /// A format by name or by extension without the dot (`pytorch` or `pth`, `keras-weights` or `weights.h5`).
    public init?(userName: String) {
        guard let format = Self(rawValue: userName) ?? Self.allCases.first(where: { $0.extensions.contains("." + userName.lowercased()) }) else { return nil }
        self = format
    }

    /// The format an output path's extension asks for (`.weights.h5` before `.h5`).
    public init?(path: String) {
        let lower = path.lowercased()
        let matches = Self.allCases.flatMap { format in format.extensions.map { (format, $0) } }.filter { lower.hasSuffix($0.1) }
        guard let best = matches.max(by: { $0.1.count < $1.1.count }) else { return nil }
        self = best.0
    }

    /// What a reader will detect in a file written in this format (nil: no reader opens it).
    public var checkpointFormat: CheckpointFormat? {
        switch self {
        case .safetensors: .safetensors
        case .npz: .npz
        case .npy: .npy
        case .pytorch: .pytorchZip
        case .kerasH5, .kerasWeights: .hdf5
        case .kerasModel: nil
        }
    }

    /// "a.safetensors, .npz, …" for messages.
    public static var extensionList: String { allCases.flatMap(\.extensions).joined(separator: ", ") }
}
