import Architectures
import CheckpointFormats
import Engine
import Foundation
import NameMapping
import Preprocessing

/// A checkpoint's model, ready to classify images, embed text, or compute features: what
/// `zoo run` does, as a library. The file is read in whatever convention it uses (torchvision,
/// timm, Keras, lukemelas, TF1 BERT…, under any wrapper prefix) through the `Identifier` and a
/// `MappedCheckpoint`, and run as that convention computes the model (Keras's batch-norm ε and
/// SAME padding, TF1 BERT's tanh GELU…). The head's size is the file's, so a fine-tuned 10-class
/// head runs as well as the 1000-class one.
public struct ModelRunner {
    /// How the file was read: model, convention, wrapper prefix, head, every tensor accounted for.
    public let reading: Candidate
    public let model: RegisteredModel
    /// The function the weights compute: the registry graph with the file's head and the
    /// convention's differences applied (`ConventionLayout.conventionGraph`).
    public let graph: ModelGraph
    public let checkpoint: CheckpointReader
    /// The canonical parameters, read from the file through its convention.
    public let weights: MappedCheckpoint
    /// Samples per forward pass.
    public let batch: Int
    /// How a text model's token states become sentence embeddings: as the checkpoint's
    /// sentence-transformers folder declares (`modules.json`), else mean pooling.
    public let pooling: SentencePooling

    /// Identifies `path` (restricted to `model` / `convention` when given) and prepares to run it;
    /// throws when nothing matches or a tensor the model needs is missing or mis-shaped.
    public init(weights path: String, model: String? = nil, convention: Convention? = nil, batch: Int = 8) throws {
        try self.init(IdentifiedCheckpoint(path: path, model: model, convention: convention), batch: batch)
    }

    /// Prepares an identified checkpoint to run.
    public init(_ identified: IdentifiedCheckpoint, batch: Int = 8) throws {
        self.batch = batch
        (checkpoint, reading, model, weights, graph) = (identified.checkpoint, identified.reading, identified.model, identified.weights, identified.graph)
        pooling = model.task == "text" ? try SentencePooling(folder: URL(fileURLWithPath: checkpoint.path).deletingLastPathComponent().path) : .default
    }

    /// How the file's function differs from the registry's model; empty when it is the same.
    public var differences: [FunctionDifference] { reading.layout.differences }

    /// How many classes the checkpoint's head has (nil for a headless model).
    public var classCount: Int? { graph.classifier.map { graph.nodes[$0].op.parameters[0].shape[0] } }

    /// Logits (`[images, classes]`) and penultimate features (`[images, features]`) of images
    /// already preprocessed to the model's input.
    public func run(images: [RGBImage], preprocessing: ImagePreprocessing) throws -> (logits: [[Float]]?, features: [[Float]]) {
        let size = preprocessing.crop
        let outputs = [graph.nodes[graph.featureNode].name] + (graph.classifier.map { [graph.nodes[$0].name] } ?? [])
        let plan = try ForwardPlan(
            graph: graph, weights: weights, input: .image(channels: 3, size: size), batch: min(batch, images.count),
            outputs: outputs)
        let results = try plan.run(images: preprocessing.batch(images), count: images.count)
        return (results.count > 1 ? Self.rows(results[1], images.count) : nil, Self.rows(results[0], images.count))
    }

    /// Sentence embeddings (`[texts, hidden]`, pooled over the non-padding tokens as `pooling` says,
    /// as sentence-transformers pools them), and the classifier's logits when the checkpoint has a head.
    public func run(texts: [String], tokenizer: any Tokenizer, maxLength: Int = 512) throws -> (logits: [[Float]]?, embeddings: [[Float]]) {
        let encoded = tokenizer.encode(batch: texts, padding: .longest, maxLength: maxLength)
        let tokens = try TokenBatch(encoded)
        let hidden = graph.nodes.first { $0.name == "first_token" }!.inputs[0]
        let outputs = [graph.nodes[hidden].name] + (graph.classifier.map { [graph.nodes[$0].name] } ?? [])
        let plan = try ForwardPlan(
            graph: graph, weights: weights, input: .tokens(length: encoded.length), batch: min(batch, texts.count),
            outputs: outputs)
        let results = try plan.run(tokens: tokens)
        let embeddings = pooling.pool(
            results[0], mask: encoded.attentionMask, samples: texts.count, length: encoded.length, width: plan.outputShape(0)[1])
        return (results.count > 1 ? Self.rows(results[1], texts.count) : nil, embeddings)
    }

    /// The tokenizer files beside a checkpoint (or in `folder`): `vocab.txt` (WordPiece, lower-cased
    /// unless the model is cased) or `vocab.json` + `merges.txt` (byte-level BPE).
    public func tokenizer(in folder: String? = nil) throws -> any Tokenizer {
        try FineTuneJob.tokenizer(in: folder ?? URL(fileURLWithPath: checkpoint.path).deletingLastPathComponent().path, model: model.name)
    }

    static func rows<T>(_ flat: [T], _ count: Int) -> [[T]] {
        let width = count == 0 ? 0 : flat.count / count
        return (0..<count).map { Array(flat[$0 * width..<($0 + 1) * width]) }
    }
}

/// Numerically stable softmax of one row of logits.
public func softmax(_ logits: [Float]) -> [Double] {
    let largest = Double(logits.max() ?? 0)
    let exps = logits.map { Foundation.exp(Double($0) - largest) }
    let sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
}
