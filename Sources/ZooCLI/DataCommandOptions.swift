import ArgumentParser
import ModelZoo

/// How `zoo finetune` and `zoo evaluate` read labelled data.
struct DataCommandOptions: ParsableArguments {
    @Option(name: .customLong("label-column"), help: "CSV/TSV/JSONL: the label column (default: label, labels, category, class, target or y).")
    var labelColumn: String?

    @Option(name: .customLong("text-column"), help: "CSV/TSV/JSONL: the text column (default: text, sentence, sentence1 or review).")
    var textColumn: String?

    @Option(name: .customLong("pair-column"), help: "CSV/TSV/JSONL: the second text of a sentence pair (default: text_pair or sentence2).")
    var pairColumn: String?

    @Option(name: .customLong("group-column"), help: "CSV/TSV/JSONL: keep examples with the same value on one side of a split (e.g. a movie's reviews).")
    var groupColumn: String?

    @Option(help: "Train on at most this many examples, drawn stratified by class.")
    var limit: Int?

    @Option(name: .customLong("evaluation-limit"), help: "Evaluate on at most this many validation (and test) examples, drawn stratified by class.")
    var evaluationLimit: Int?

    @Flag(name: .customLong("skip-bad"), help: "Leave out unreadable images, ragged rows and unknown labels (listed in the report) instead of stopping.")
    var skipBad = false

    func options(kind: TaskProfile.Kind) -> DataOptions {
        DataOptions(kind: kind, labelColumn: labelColumn, textColumn: textColumn, pairColumn: pairColumn, groupColumn: groupColumn, skipBad: skipBad)
    }

    func load(_ path: String, kind: TaskProfile.Kind, validationFraction: Double, seed: UInt64, folds: Int? = nil) throws -> TrainingData {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let evaluationLimit, evaluationLimit < 1 { throw ValidationError("--evaluation-limit must be at least 1") }
        return try TrainingData(
            path: path, options: options(kind: kind), validationFraction: validationFraction, seed: seed, limit: limit, evaluationLimit: evaluationLimit,
            folds: folds)
    }
}
