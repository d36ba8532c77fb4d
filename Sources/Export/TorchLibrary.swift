import Architectures
import NameMapping

/// The PyTorch library that builds a registry model with parameters under zoo's canonical names,
/// so the exported project loads zoo's weights with `strict=True`: torchvision for the families
/// whose canonical names are torchvision's, timm for the timm-native ones, transformers for the
/// encoders (whose canonical names are Hugging Face's base-model names). Derived from the
/// conventions that name the model, never listed per model.
public enum TorchLibrary: String, Codable, Sendable {
    case torchvision, timm, transformers

    /// The library for `model`, or nil when none of them builds it.
    public init?(_ model: RegisteredModel) {
        let conventions = Convention.supporting(model)
        if conventions.contains(.torchvision) {
            self = .torchvision
        } else if conventions.contains(.huggingface) {
            self = .transformers
        } else if conventions.contains(.timm) {
            self = .timm
        } else {
            return nil
        }
    }

    /// The package `requirements.txt` names.
    var requirement: String {
        switch self {
        case .torchvision: "torchvision>=0.16"
        case .timm: "timm>=0.9"
        case .transformers: "transformers>=4.40"
        }
    }
}
