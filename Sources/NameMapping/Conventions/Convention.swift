@_exported import enum Architectures.Convention
import Architectures
import CheckpointFormats

/// What NameMapping knows of each convention: how it names a model (`naming`, `layout`), the
/// format its files are written in, and which models it can name.
extension Convention {
    /// The output format a file in this convention is normally written as.
    public var defaultFormat: OutputFormat {
        switch self {
        case .torchvision, .timm, .lukemelas, .pytorchTransformer: .pytorch
        case .keras: .kerasH5
        case .keras3, .kerasHub: .kerasWeights
        case .huggingface, .huggingfacePrefixed: .safetensors
        case .tf1BERT: .npz
        }
    }

    /// The convention a file of `format` is written in when this one is asked for: Keras names a
    /// model's weights one way in a legacy `.h5` (`layer/weight`) and another in a Keras 3
    /// `.weights.h5` (`layers/<layer>/vars/<i>`), and its `load_weights` reads each file only in
    /// its own naming.
    public func writing(_ format: OutputFormat) -> Convention {
        switch (self, format) {
        case (.keras, .kerasWeights): .keras3
        case (.keras3, .kerasH5): .keras
        default: self
        }
    }

    var naming: any ConventionNaming {
        switch self {
        case .torchvision: CanonicalNaming(convention: self, families: ["resnet", "vgg", "mobilenet_v2", "mobilenet_v3"])
        case .huggingface: CanonicalNaming(convention: self, families: ["bert", "distilbert", "roberta", "minilm"])
        case .huggingfacePrefixed: PrefixedHuggingFaceNaming()
        case .timm: TimmNaming()
        case .keras, .keras3: KerasApplicationsNaming(convention: self)
        case .tf1BERT: TF1BERTNaming()
        case .lukemelas: LukemelasNaming()
        case .kerasHub: KerasHubNaming()
        case .pytorchTransformer: PyTorchTransformerNaming()
        }
    }

    /// How files in this convention name `model`'s graph `graph`, or nil when the convention
    /// has no name for it (Keras applications have no EfficientNet-Lite, timm no BERT).
    public func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        naming.layout(of: model, graph: graph)
    }

    /// The conventions that can name `model`.
    public static func supporting(_ model: RegisteredModel) -> [Convention] {
        allCases.filter { $0.layout(of: model, graph: model.graph) != nil }
    }
}

/// One convention's naming function.
protocol ConventionNaming: Sendable {
    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout?
}

extension RegisteredModel {
    /// The family a naming function dispatches on: MobileNet versions are told apart, since
    /// their layouts share nothing.
    var namingFamily: String {
        switch name {
        case "mobilenet_v2": "mobilenet_v2"
        case let name where name.hasPrefix("mobilenet_v3"): "mobilenet_v3"
        case "mobilenetv1_100": "mobilenet_v1"
        default: family
        }
    }
}
