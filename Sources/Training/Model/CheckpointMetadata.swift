import Architectures
import Foundation
import Plans
import Preprocessing
import Tensors

/// What a checkpoint expects and outputs beyond its tensors: the image preprocessing it was
/// trained with and its class names. Read from the `config.json` beside it when that is a zoo
/// model folder's (a fine-tuned model) or a Hugging Face config (`id2label`), else from the model
/// card of its checkpoint (matched by file name) and ImageNet's class names for a 1000-class head.
/// The one place `zoo run`, `zoo score`, `zoo advise`, `zoo finetune` and `zoo evaluate` take these from.
public struct CheckpointMetadata: Sendable {
    /// The preprocessing, as a plan records it (every field absent when nothing states one).
    public let preprocessing: FineTunePlan.InputPreprocessing
    /// One name per output of the head, when known.
    public let classNames: [String]?

    /// The metadata of the checkpoint at `weights`, identified as `model`, whose head has `classes` outputs (nil: headless).
    public init(model: String, weights: String, classes: Int?) {
        let config = ModelFolderConfig.read(besides: weights)
        if let preprocessing = config?.preprocessing {
            self.preprocessing = preprocessing
        } else {
            let card = (try? ModelCards.standard())?[model]?.card
            preprocessing = FineTunePlan.InputPreprocessing(card?.preprocessing(forFile: weights))
        }
        if let classes, let names = config?.classNames, names.count == classes {
            classNames = names
        } else if classes == 1000 {
            let names = ModelCards.imageNetClassNames()
            classNames = names.count == 1000 ? names : nil
        } else {
            classNames = nil
        }
    }

    /// The image transform the preprocessing describes.
    public var imagePreprocessing: ImagePreprocessing { ImagePreprocessing(preprocessing) }
}

extension ImagePreprocessing {
    /// A plan's (or card's) preprocessing as the transform: torchvision's Resize + CenterCrop +
    /// Normalize with ImageNet's defaults for whatever it leaves out.
    public init(_ stated: FineTunePlan.InputPreprocessing) {
        let fallback = ImagePreprocessing.imageNet
        self.init(
            resize: stated.resize ?? fallback.resize, crop: stated.crop ?? fallback.crop,
            mean: stated.mean.map { $0.map(Float.init) } ?? fallback.mean, std: stated.std.map { $0.map(Float.init) } ?? fallback.std,
            filter: stated.interpolation.flatMap(ResizeFilter.init(rawValue:)) ?? fallback.filter)
    }
}
