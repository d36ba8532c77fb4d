import Architectures
import Dispatch
import Engine
import Foundation
import Plans
import Preprocessing
import Tensors

/// A batch of model inputs: images as PyTorch takes them, or token sequences.
public enum BatchInput {
    /// `[count, 3, crop, crop]`, normalised.
    case images([Float], count: Int)
    case tokens(TokenBatch)

    public var count: Int {
        switch self {
        case .images(_, let count): count
        case .tokens(let tokens): tokens.count
        }
    }
}

/// Turns examples into model inputs exactly as `zoo run` does for the checkpoint's card: images
/// decoded (grey expanded to RGB), resized, cropped and normalised — or augmented, when asked,
/// from a generator per example; texts and text pairs tokenized and padded to one length.
public struct ExampleEncoder: Sendable {
    public enum Modality: Sendable {
        case images(ImagePreprocessing)
        /// Sequences are padded (and truncated) to `length` tokens, special tokens included.
        case text(any Tokenizer, length: Int)
    }

    public let modality: Modality

    public init(_ modality: Modality) { self.modality = modality }

    /// The encoder a checkpoint of `model` (its task `image` or `text`) needs for `examples`: images
    /// preprocessed as `preprocessing` says, or texts tokenized with the tokenizer in `tokenizerFolder`
    /// to the longest example, at most `preprocessing.max_length` (512 when absent) tokens.
    public static func forModel(
        _ model: RegisteredModel, preprocessing: FineTunePlan.InputPreprocessing, tokenizerFolder: String, examples: [Example]
    ) throws -> ExampleEncoder {
        guard model.task == "text" else { return ExampleEncoder(.images(ImagePreprocessing(preprocessing))) }
        return try .text(FineTuneJob.tokenizer(in: tokenizerFolder, model: model.name), for: examples, maxLength: preprocessing.maxLength ?? 512)
    }

    /// The input shape a plan compiled for these inputs takes.
    public var input: InputSpec {
        switch modality {
        case .images(let preprocessing): .image(channels: 3, size: preprocessing.crop)
        case .text(_, let length): .tokens(length: length)
        }
    }

    /// The text encoder for `examples`: sequences as long as the longest example needs (a pair
    /// with its separators), at most `maxLength`.
    public static func text(_ tokenizer: any Tokenizer, for examples: [Example], maxLength: Int) throws -> ExampleEncoder {
        var longest = 2
        for example in examples {
            longest = max(longest, tokenizer.tokenCount(try textInput(example)))
            if longest >= maxLength { break }
        }
        return ExampleEncoder(.text(tokenizer, length: min(longest, maxLength)))
    }

    /// What the tokenizer reads of a text example.
    static func textInput(_ example: Example) throws -> TextInput {
        guard let text = try example.input.text() else { throw TrainingError.dataMismatch("\(example.origin) is an image, but the model takes text") }
        return text
    }

    /// The model input for `examples`, decoded on every core. With `augmentation`, each image is
    /// augmented from `SplitMix64(seed: seeds[i])`.
    public func encode(_ examples: [Example], augmentation: ImageAugmentation? = nil, seeds: [UInt64] = []) throws -> BatchInput {
        switch modality {
        case .images(let preprocessing):
            var images = [RGBImage?](repeating: nil, count: examples.count)
            var failures = [String?](repeating: nil, count: examples.count)
            images.withUnsafeMutableBufferPointer { images in
                failures.withUnsafeMutableBufferPointer { failures in
                    nonisolated(unsafe) let images = images, failures = failures
                    DispatchQueue.concurrentPerform(iterations: examples.count) { index in
                        do {
                            let image = try Self.decode(examples[index])
                            if let augmentation, !augmentation.isEmpty {
                                var generator = SplitMix64(seed: seeds[index])
                                images[index] = augmentation.apply(image, preprocessing, generator: &generator)
                            } else {
                                images[index] = preprocessing.cropped(image)
                            }
                        } catch {
                            failures[index] = "\(error)"
                        }
                    }
                }
            }
            if let bad = failures.firstIndex(where: { $0 != nil }) {
                throw TrainingError.badExample(origin: examples[bad].origin, reason: failures[bad]!)
            }
            return .images(preprocessing.normalised(images.map { $0! }), count: examples.count)
        case .text(let tokenizer, let length):
            let encoded = tokenizer.encode(batch: try examples.map(Self.textInput), padding: .fixed(length), maxLength: length)
            return .tokens(try TokenBatch(encoded))
        }
    }

    /// The decoded image of an image example.
    static func decode(_ example: Example) throws -> RGBImage {
        switch example.input {
        case .imageFile(let path): try RGBImage(contentsOfFile: path)
        case .greyImage(let set, let index): set.image(index)
        case .text, .textPair, .textRecord: throw TrainingError.dataMismatch("\(example.origin) is text, but the model takes images")
        }
    }
}
