/// A framework's way of naming (and laying out) a model's parameters. Declared here, beside the
/// model cards that say which convention each published checkpoint uses, so that a plan can carry
/// it typed; what each convention does (its naming function, layouts, default format) is
/// NameMapping's (`Convention.layout(of:graph:)`).
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

    /// The convention of the checkpoints a publishing library writes (a model card's `library`):
    /// torchvision and timm their own, transformers and sentence-transformers Hugging Face's; nil for others.
    public init?(library: String) {
        switch library {
        case "torchvision": self = .torchvision
        case "timm": self = .timm
        case "transformers", "sentence-transformers": self = .huggingface
        default: return nil
        }
    }
}
