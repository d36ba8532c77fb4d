import Foundation
import ModelZoo

/// What `zoo finetune` prints for people: the headline metric over the runs, the test set, the
/// per-class table, the most-confused classes, the time and memory, and where the model is.
struct FinetuneSummary {
    let report: FineTuneReport
    let folder: String

    var text: String {
        let summary = report.summary, kept = report.kept
        var lines = [
            "\(folder): \(report.model.name) fine-tuned on \(Format.count(report.data.trainExamples)) examples of \(report.data.classes.count) classes, "
                + "\(report.model.trained.map(\.description).joined(separator: ", ")) trained (\(Format.count(report.model.trainableParameters)) parameters)",
        ]
        let spread = report.seeds.count > 1
            ? String(format: " (%@: mean %.4f ± %.4f, %.4f–%.4f)", report.runsDescription, summary.mean, summary.standardDeviation, summary.minimum, summary.maximum) : ""
        lines.append(String(format: "validation %@ %.4f, loss %.4f on %@ examples (%@, step %d)%@", summary.metric,
                            kept.validation.value(of: summary.metric) ?? .nan, kept.validation.loss, Format.count(kept.validation.examples), kept.name, kept.keptStep, spread))
        if let test = report.test {
            lines.append(String(format: "test %@ %.4f, loss %.4f on %@ examples", summary.metric, test.value(of: summary.metric) ?? .nan, test.loss, Format.count(test.examples)))
        }
        lines.append("")
        let shown = report.test ?? kept.validation
        lines += MetricsText(metrics: shown, errors: kept.errors).lines(title: report.test == nil ? "validation:" : "test:").dropFirst(2)
        lines += report.warnings.map { "warning: " + $0 }
        if !report.data.skipped.isEmpty { lines.append("skipped \(report.data.skipped.count) bad examples (listed in report.json)") }
        lines.append(String(format: "%@ in all, %.0f%% loading data; peak memory %@", Format.duration(report.resources.seconds),
                            report.resources.loadingShare * 100, Format.bytes(report.resources.peakResidentBytes)))
        lines.append("model: \(folder)/\(report.modelFolder) (zoo run --weights \(folder)/\(report.modelFolder)/\(ModelFolder.weightsFile) …, zoo evaluate \(folder)/\(report.modelFolder) --data …)")
        return lines.joined(separator: "\n")
    }
}
