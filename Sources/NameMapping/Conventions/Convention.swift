import Architectures
import CheckpointFormats

/// A framework's way of naming (and laying out) a model's parameters. Each is a function of the
/// graph's structure (`ConventionNaming`), so any two conventions that name a model can be joined
/// parameter by parameter.
public enum Convention: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// torchvision's state dicts: canonical for ResNet, VGG and MobileNet V2/V3.
    case torchvision
    /// timm's state dicts: canonical for MobileNet V1 and EfficientNet-Lite.
    case timm
    /// Keras applications in a legacy `.h5` file: `layer/weight` names, TensorFlow layouts.
    case keras
    /// Keras 3 `.weights.h5`: `layers/<layer>/vars/<index>` paths, TensorFlow layouts.
    case keras3
    /// Hugging Face transformers' base models (`BertModel`…): canonical for encoders.
    case huggingface
    /// Hugging Face task models' state dicts, under `bert.` / `roberta.` / `distilbert.`.
    case huggingfacePrefixed = "huggingface-prefixed"
    /// Google's original TensorFlow BERT checkpoints (`bert/encoder/layer_0/…/kernel`).
    case tf1BERT = "tf1-bert"
    /// lukemelas's EfficientNet-PyTorch names (`_blocks.N._depthwise_conv`), as the EfficientNet-Lite ports use.
    case lukemelas
    /// KerasHub backbones (`BertBackbone`…) saved as Keras 3 `.weights.h5`.
    case kerasHub = "keras-hub"
    /// The encoders with `torch.nn.TransformerEncoder` layers: fused `in_proj_weight` attention.
    case pytorchTransformer = "pytorch-transformer"

    public var description: String { rawValue }

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
