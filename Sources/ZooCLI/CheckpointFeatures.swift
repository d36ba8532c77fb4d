import ArgumentParser
import Foundation
import ModelZoo

/// Features of local checkpoints on a labelled sample of the user's data, computed by the engine
/// (penultimate features for images, sentence embeddings for text, pooled as the folder declares): what `zoo score` and
/// `zoo advise --weights` score with LogME.
struct CheckpointFeatures {
    struct Entry {
        /// The registry model the checkpoint was identified as.
        let model: String
        let path: String
        let features: FeatureMatrix
        /// How a text model's embeddings were pooled (nil for images).
        let pooling: SentencePooling?
    }

    let entries: [Entry]
    /// The sample's class of each row.
    let labels: [Int]
    let classes: Int

    /// `checkpoints` as MODEL=PATH or PATH; up to `sample` examples of `data`, balanced across classes.
    init(checkpoints: [String], data: String, sample: Int, seed: UInt64, batch: Int, tokenizer: String?) throws {
        let labelled = try LabelledSample(path: data, limit: sample, seed: seed)
        entries = try checkpoints.map { spec -> Entry in
            let (model, path) = Self.parse(spec)
            if let model, Registry.model(named: model) == nil {
                throw ValidationError("unknown model '\(model)' in \(spec) (zoo models list shows the registry)")
            }
            let runner = try ModelRunner(weights: path, model: model, batch: batch)
            let name = runner.reading.model
            switch labelled.inputs {
            case .images where runner.model.task != "image", .greyImages where runner.model.task != "image": throw ValidationError("\(name) (\(path)) takes text, but \(data) is an image folder")
            case .texts where runner.model.task != "text": throw ValidationError("\(name) (\(path)) takes images, but \(data) is a text file")
            default: break
            }
            let pooling = runner.model.task == "text" ? runner.pooling : nil
            Diagnostics.say("computing \(name) features of \(labelled.count) examples" + (pooling.map { " (\($0))" } ?? "") + "…")
            let features = try runner.features(
                of: labelled.inputs, preprocessing: CheckpointMetadata(model: name, weights: path, classes: runner.classCount).imagePreprocessing,
                tokenizer: try tokenizer.map { try runner.tokenizer(in: $0) }, chunk: max(batch, 32))
            return Entry(model: name, path: path, features: features, pooling: pooling)
        }
        labels = labelled.labels
        classes = Set(labelled.labels).count
    }

    /// `mobilenet_v2=ckpt.pth` → (mobilenet_v2, ckpt.pth); a path alone, or one whose `=` does not
    /// follow a registry name, is the whole spec.
    static func parse(_ spec: String) -> (model: String?, path: String) {
        guard let equals = spec.firstIndex(of: "="), !spec[..<equals].contains("/") else { return (nil, spec) }
        return (String(spec[..<equals]), String(spec[spec.index(after: equals)...]))
    }
}
