import ArgumentParser
import Foundation
import ModelZoo

/// `zoo evaluate MODEL_DIR --data PATH`: a fine-tuned model's metrics on held-out data.
struct Evaluate: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a fine-tuned model folder (zoo finetune's model/) on labelled data: the same metrics as the fine-tune's validation.",
        discussion: """
            The data is read as zoo finetune reads it; its test split is used when it has one, else its validation \
            split, else all of it. Classes are matched to the model's by name. Inputs are preprocessed as the model \
            folder's config.json says. Metrics over the whole set: loss, accuracy, top-5 (more than five classes), \
            per-class and macro precision, recall and F1, the confusion matrix (single-label); per-label F1 and mean \
            average precision (multi-label); MSE, MAE and R² (regression); and the most-confused classes and the \
            worst examples by loss, named by file or line.

            \(ExitStatus.summary)
            """)

    @Argument(help: "The model folder (holding model.safetensors and config.json).")
    var model: String

    @Option(help: "The labelled data: an image folder, an IDX folder, or a CSV, TSV or JSONL file.")
    var data: String

    @OptionGroup var dataOptions: DataCommandOptions

    @Option(help: "Inputs per forward pass.")
    var batch = 32

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        guard let config = ModelFolderConfig.read(besides: model + "/" + ModelFolder.weightsFile) else {
            throw TrainingError.unreadable(model + "/" + ModelFolderConfig.fileName + " (a model folder that zoo finetune wrote)")
        }
        let splits = try DataSource.read(data, options: dataOptions.options(kind: config.task))
        let (examples, split) = splits.test.map { ($0, "test") } ?? splits.validation.map { ($0, "validation") } ?? (splits.train, "all")
        let limited = TrainingData.limited(examples, to: dataOptions.evaluationLimit, seed: 0)
        Diagnostics.say("zoo: evaluating \(config.model) on \(limited.count) examples (\(split) split of \(splits.source))")
        let evaluation = try ModelEvaluation(folder: model, examples: limited, batch: batch)
        if json {
            try printJSON(EvaluationReport(model: evaluation.model, data: data, split: split, metrics: evaluation.metrics, errors: evaluation.errors))
        } else {
            print(MetricsText(metrics: evaluation.metrics, errors: evaluation.errors).lines(title: "\(model) on \(data) (\(split), \(Format.count(limited.count)) examples)").joined(separator: "\n"))
        }
    }
}

/// `zoo evaluate --json`.
struct EvaluationReport: Encodable {
    let model: String
    let data: String
    let split: String
    let metrics: EvaluationMetrics
    let errors: ErrorAnalysis
}

/// Metrics for people: the headline numbers, the per-class table and the most-confused classes.
struct MetricsText {
    let metrics: EvaluationMetrics
    let errors: ErrorAnalysis

    func lines(title: String) -> [String] {
        var lines = [title]
        let numbers: [(String, Double?)] = [
            ("accuracy", metrics.accuracy), ("top-5 accuracy", metrics.top5Accuracy), ("macro F1", metrics.macroF1),
            ("mean average precision", metrics.meanAveragePrecision), ("MSE", metrics.mse), ("MAE", metrics.mae), ("R²", metrics.r2), ("loss", metrics.loss),
        ]
        lines.append(numbers.compactMap { name, value in value.map { String(format: "%@ %.4f", name, $0) } }.joined(separator: " · "))
        if let classes = metrics.perClass {
            lines.append(Table(
                header: ["CLASS", "PRECISION", "RECALL", "F1", "SUPPORT"], rightAligned: [1, 2, 3, 4],
                rows: classes.map { [$0.name, String(format: "%.3f", $0.precision), String(format: "%.3f", $0.recall), String(format: "%.3f", $0.f1), "\($0.support)"] }).rendered)
        }
        if !errors.confusedPairs.isEmpty {
            lines.append("most confused: " + errors.confusedPairs.prefix(3).map { "\($0.actual) → \($0.predicted) (\($0.count))" }.joined(separator: ", "))
        }
        if let worst = errors.worstExamples.first {
            lines.append(String(format: "worst example: %@ (%@, predicted %@, loss %.2f)", worst.origin, worst.actual, worst.predicted, worst.loss))
        }
        return lines
    }
}
