import ArgumentParser
import Foundation
import ModelZoo

/// `zoo score`: ranks candidate models for a task by LogME on a labelled sample of the user's data.
struct Score: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank candidate models by LogME on a labelled sample of your data, with the score's spread.",
        discussion: """
            Each --model is a checkpoint, as MODEL=PATH (MODEL restricts the identification to that registry \
            model) or PATH (identified as `zoo run` does); zoo reads local files only. Candidates are told apart \
            by path (runA/model.safetensors, runB/model.safetensors); the same file given twice is a usage error. The engine computes each \
            model's penultimate features (images) or sentence embeddings (text, pooled as a sentence-transformers \
            folder's modules.json declares, else mean-pooled; stderr and --json's pooling say which) on up to --sample \
            examples of --data, balanced across classes:
              - an image folder: one subfolder per class, holding .jpg, .jpeg or .png files (class = subfolder name), \
            or train/ (val/, test/) folders of those (the training split is sampled);
              - an IDX folder (MNIST's train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]);
              - a text file: .csv or .jsonl with label and text columns, .tsv with a header, or `label<TAB>text` \
            lines (UTF-8; blank lines skipped); or a folder of train.csv (.tsv, .jsonl) and val/test files.
            Or score features computed elsewhere: --features F.npy ([samples, features], float) and --labels \
            y.npy ([samples], integer classes 0, 1, …); repeat --features to compare several.

            LogME (You et al., ICML 2021) is the log evidence per sample of a Bayesian linear model from the \
            features to the one-hot labels: higher fits the task better; only differences between candidates \
            scored on the same data mean anything. The spread is a 95% bootstrap interval over --resamples \
            resamples of the examples (the same resamples for every candidate); candidates whose intervals \
            overlap share a rank and are marked as ties: the sample cannot tell them apart. Prefer a few \
            hundred examples, and more examples than features.

            \(ExitStatus.summary)
            """)

    @Option(name: .customLong("model"), help: "A candidate checkpoint: MODEL=PATH or PATH (repeat for each candidate).")
    var models: [String] = []

    @Option(help: "The labelled sample: an image folder (a subfolder per class), an IDX folder, or a CSV, TSV, JSONL or label<TAB>text file.")
    var data: String?

    @Option(help: "Use at most this many examples of --data, balanced across classes.")
    var sample = 500

    @Option(name: .customLong("features"), help: "Precomputed features: a .npy of shape [samples, features] (repeat to compare).")
    var featureFiles: [String] = []

    @Option(help: "The class of each sample for --features: a .npy of integers, shape [samples].")
    var labels: String?

    @Option(help: "Bootstrap resamples for the spread (0: no spread, no ties).")
    var resamples = 100

    @Option(help: "Seed for choosing the sample and drawing the resamples.")
    var seed: UInt64 = 0

    @Option(help: "Inputs per forward pass.")
    var batch = 8

    @Option(help: "The folder with the tokenizer's files for text models (default: each checkpoint's folder).")
    var tokenizer: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        let fromModels = !models.isEmpty || data != nil, fromFeatures = !featureFiles.isEmpty || labels != nil
        guard fromModels != fromFeatures else { throw ValidationError("give either --model … --data PATH, or --features … --labels PATH") }
        if fromModels && (models.isEmpty || data == nil) { throw ValidationError("--model needs --data, and --data at least one --model") }
        if fromFeatures && (featureFiles.isEmpty || labels == nil) { throw ValidationError("--features needs --labels, and --labels at least one --features") }
        guard sample >= 2, (0...BootstrapScore.maximumResamples).contains(resamples), batch > 0 else {
            throw ValidationError("--sample must be at least 2, --resamples 0 to \(BootstrapScore.maximumResamples), --batch positive")
        }
        try CandidatePaths.requireDistinct(models.map { CheckpointFeatures.parse($0).path }, option: "--model")
        try CandidatePaths.requireDistinct(featureFiles, option: "--features")
    }

    func run() throws {
        let (candidates, classes) = featureFiles.isEmpty ? try modelFeatures() : try precomputedFeatures()
        let scored = try candidates.map { candidate in
            (candidate.name, try BootstrapScore.logME(features: candidate.features, labels: classes, resamples: resamples, seed: seed))
        }
        let report = ScoreReport(
            samples: classes.count, classes: Set(classes).count, resamples: resamples,
            features: Dictionary(uniqueKeysWithValues: candidates.map { ($0.name, $0.features.columns) }),
            pooling: Dictionary(uniqueKeysWithValues: candidates.compactMap { candidate in candidate.pooling.map { (candidate.name, $0) } }),
            ranking: TransferabilityRanking.rank(scored))
        if json { try printJSON(report) } else { print(report.text) }
    }

    private typealias Candidate = (name: String, features: FeatureMatrix, pooling: SentencePooling?)

    /// Features from the engine for each --model on the --data sample, each named by its model and
    /// the shortest part of its path that tells it from the others.
    private func modelFeatures() throws -> ([Candidate], [Int]) {
        let computed = try CheckpointFeatures(checkpoints: models, data: data!, sample: sample, seed: seed, batch: batch, tokenizer: tokenizer)
        let files = CandidatePaths.shortNames(computed.entries.map(\.path))
        return (zip(computed.entries, files).map { ("\($0.model) (\($1))", $0.features, $0.pooling) }, computed.labels)
    }

    /// --features files and their --labels.
    private func precomputedFeatures() throws -> ([Candidate], [Int]) {
        let classes = try NpyInput.labels(labels!)
        let candidates = try featureFiles.map { file -> Candidate in
            let features = try NpyInput.features(file)
            guard features.rows == classes.count else {
                throw NpyInput.Problem(file: file, reason: "\(features.rows) samples (rows) but \(labels!) has \(classes.count) labels: they must match")
            }
            return (file, features, nil)
        }
        return (candidates, classes)
    }
}

/// What `zoo score` found: the candidates ranked, ties marked.
struct ScoreReport: Encodable {
    let samples: Int
    let classes: Int
    let resamples: Int
    /// Feature width per candidate.
    let features: [String: Int]
    /// How each text candidate's embeddings were pooled.
    let pooling: [String: SentencePooling]
    let ranking: [TransferabilityRanking.Entry]

    var text: String {
        let rows = ranking.map { entry -> [String] in
            let score = entry.score
            return [
                "\(entry.rank)\(entry.tied ? "=" : "")", entry.name, "\(features[entry.name] ?? 0)", String(format: "%.4f", score.score),
                resamples > 0 ? String(format: "±%.4f", score.standardDeviation) : "-",
                resamples > 0 ? String(format: "[%.4f, %.4f]", score.low, score.high) : "-",
            ]
        }
        let table = Table(header: ["RANK", "CANDIDATE", "FEATURES", "LOGME", "SPREAD", "95% INTERVAL"], rightAligned: [0, 2, 3, 4], rows: rows)
        var lines = ["LogME on \(samples) examples, \(classes) classes" + (resamples > 0 ? ", \(resamples) bootstrap resamples" : ""), "", table.rendered]
        if ranking.contains(where: \.tied) { lines += ["", "= tied: the 95% intervals overlap, so this sample cannot order them (score more examples to separate them)."] }
        if let widest = features.values.max(), widest > samples {
            lines += ["note: fewer examples (\(samples)) than features (\(widest)): scores are less reliable; prefer N > D."]
        }
        return lines.joined(separator: "\n")
    }
}
