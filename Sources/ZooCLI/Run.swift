import ArgumentParser
import Foundation
import ModelZoo

/// `zoo run [MODEL] --weights FILE (--image PATH… | --text "…"…)`: a forward pass on the CPU engine.
struct Run: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on images or text: top-k classes, text embeddings, or features for later use.",
        discussion: """
            The weights may be in any convention zoo names (\(Convention.allCases.map(\.rawValue).joined(separator: ", ")) \
            and under any wrapper prefix (module., module.pre., …); nothing needs renaming. The model, the \
            convention and the head's size are identified from the file as `zoo identify` does; MODEL and \
            --convention restrict the identification. The file runs as its convention computes the model: where \
            that differs from the registry's graph (Keras's batch-norm ε and SAME padding, TF1 BERT's tanh \
            GELU…), a note on stderr says what differs. A file without every tensor the model needs exits 6.

            Images (JPEG or PNG) are resized, cropped and normalised as the model card says for the \
            checkpoint (ImageNet's defaults where it is silent); a 1000-class head prints ImageNet's \
            labels. Text is tokenized with the vocab.txt (WordPiece) or vocab.json + merges.txt \
            (byte-level BPE) beside the weights or in --tokenizer; an encoder prints its sentence \
            embedding, or its classifier's classes when the checkpoint has a head. The embedding is pooled \
            as a sentence-transformers folder's modules.json declares (1_Pooling/config.json: mean, cls or max \
            over the non-padding tokens; a Normalize module: L2-normalised), else mean-pooled; a note on \
            stderr and --json's pooling say which. \
            --features writes the penultimate features (images) or the sentence embeddings (text) \
            as a float32 .npy of shape [inputs, features]. The engine uses every core; ZOO_THREADS \
            sets how many.

            \(ExitStatus.summary)
            """)

    @Argument(help: "The model, by any name zoo models show takes (default: identified from the weights).")
    var model: String?

    @Option(help: "The checkpoint: any format zoo reads, in any convention zoo names.")
    var weights: String

    @Option(help: "The convention the weights use (default: identified).")
    var convention: Convention?

    @Option(name: .customLong("image"), help: "An image to classify (repeat for a batch).")
    var images: [String] = []

    @Option(name: .customLong("text"), help: "A text to embed or classify (repeat for a batch).")
    var texts: [String] = []

    @Option(help: "How many classes to print per input.")
    var top = 5

    @Option(help: "Write features as a .npy file: [inputs, features] float32 (missing folders are created).")
    var features: String?

    @Option(help: "The folder with the tokenizer's files (default: the weights' folder).")
    var tokenizer: String?

    @Option(help: "Inputs per forward pass.")
    var batch = 8

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard images.isEmpty != texts.isEmpty else { throw ValidationError("give either --image or --text inputs") }
        guard top > 0, batch > 0 else { throw ValidationError("--top and --batch must be positive") }
    }

    func run() throws {
        // A named model's task is checked before the weights are read.
        let named = try model.map { (name) throws(UnknownModelName) in try ModelNames.standard.resolve(name) }
        if let named { try checkInputs(for: named) }
        let runner = try ModelRunner(weights: weights, model: named?.name, convention: convention, batch: batch)
        try checkInputs(for: runner.model)
        let reading = runner.reading, name = reading.model
        if !runner.differences.isEmpty {
            Diagnostics.say("zoo: note: \(weights) is \(name) in \(reading.convention), which computes it differently from the registry's graph: "
                + "\(runner.differences.map(\.description).joined(separator: "; ")); running \(reading.convention)'s function")
        }
        if !reading.unexpected.isEmpty {
            warn("\(reading.unexpected.count) tensor(s) of \(weights) are not part of \(name) in \(reading.convention) and were ignored: "
                + reading.unexpected.prefix(5).joined(separator: ", ") + (reading.unexpected.count > 5 ? ", …" : ""))
        }
        let metadata = CheckpointMetadata(model: name, weights: weights, classes: runner.classCount)
        let logits: [[Float]]?, featureRows: [[Float]]
        if images.isEmpty {
            Diagnostics.say("zoo: note: sentence embeddings by \(runner.pooling)")
            (logits, featureRows) = try runner.run(texts: texts, tokenizer: runner.tokenizer(in: tokenizer))
        } else {
            let decoded = try images.map { try RGBImage(contentsOfFile: $0) }
            (logits, featureRows) = try runner.run(images: decoded, preprocessing: metadata.imagePreprocessing)
        }
        try features.map { try Self.writeFeatures(featureRows, to: $0) }
        let report = RunReport(
            reading: reading, inputs: images.isEmpty ? texts : images, logits: logits, embeddings: images.isEmpty ? featureRows : nil,
            labels: metadata.classNames, top: top, pooling: images.isEmpty ? runner.pooling : nil)
        if json { try printJSON(report) } else { print("\(weights): \(IdentificationReport.summary(reading))\n\n\(report.text)") }
        if let features { Diagnostics.say("features written to \(features)") }
    }

    private func checkInputs(for model: RegisteredModel) throws {
        if images.isEmpty && model.task != "text" { throw ValidationError("\(model.name) takes images, not --text") }
        if !images.isEmpty && model.task != "image" { throw ValidationError("\(model.name) takes text, not --image") }
    }

    static func writeFeatures(_ rows: [[Float]], to path: String) throws {
        let width = rows.first?.count ?? 0
        let tensor = Tensor(rows.flatMap { $0 }, dtype: .f32, shape: try Shape([rows.count, width]))
        try OutputFolders.around(path) {
            let writer = try NpyWriter(path: path, tensors: [TensorInfo(name: "features", dtype: .f32, shape: tensor.shape)])
            try writer.append(tensor)
            _ = try writer.commit()
        }
    }
}

/// What `zoo run` found, per input.
struct RunReport: Encodable {
    struct Class: Encodable {
        let index: Int
        let label: String?
        let probability: Double
        let logit: Float
    }

    struct Entry: Encodable {
        let input: String
        let top: [Class]?
        let embedding: [Float]?
        let embeddingNorm: Float?
    }

    /// How the weights were read: model, convention, wrapper prefix, head, differences from the registry's graph.
    let reading: IdentificationReport.Reading
    /// How text embeddings were pooled (nil for images).
    let pooling: SentencePooling?
    let entries: [Entry]

    init(reading: Candidate, inputs: [String], logits: [[Float]]?, embeddings: [[Float]]?, labels: [String]?, top: Int, pooling: SentencePooling?) {
        self.reading = .init(reading)
        self.pooling = pooling
        entries = inputs.indices.map { index in
            let classes = logits.map { rows in
                let row = rows[index], probabilities = softmax(row)
                return row.indices.sorted { row[$0] > row[$1] }.prefix(top).map {
                    Class(index: $0, label: labels?[$0], probability: probabilities[$0], logit: row[$0])
                }
            }
            let embedding = logits == nil ? embeddings?[index] : nil
            let norm = embedding.map { Float($0.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()) }
            return Entry(input: inputs[index], top: classes, embedding: embedding, embeddingNorm: norm)
        }
    }

    var text: String {
        entries.map { entry in
            var lines = [entry.input]
            if let top = entry.top {
                lines += [Table(
                    header: ["RANK", "CLASS", "LABEL", "PROBABILITY", "LOGIT"], rightAligned: [0, 1, 3, 4],
                    rows: top.enumerated().map { rank, c in
                        ["\(rank + 1)", "\(c.index)", c.label ?? "-", String(format: "%.4f", c.probability), String(format: "%.3f", c.logit)]
                    }).rendered]
            }
            if let embedding = entry.embedding, let norm = entry.embeddingNorm {
                let head = embedding.prefix(8).map { String(format: "%.4f", $0) }.joined(separator: ", ")
                lines.append("embedding (\(embedding.count) values, L2 norm \(String(format: "%.4f", norm))): [\(head), …]")
            }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
