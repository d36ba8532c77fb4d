import Charts
import Foundation

/// `report.md` and `report.html`: the report for people. The HTML page is self-contained (inline
/// SVG, inline CSS, no script): the loss and metric curves, the confusion matrix as a heat map,
/// the per-class table and the error analysis.
extension FineTuneReport {
    /// The kept run's result.
    public var kept: SeedResult { seeds[keptRun] }

    /// Training loss by step and validation loss at each evaluation, per seed and phase.
    public var lossChart: LineChart {
        var series: [LineChart.Series] = []
        for seed in seeds {
            for phase in ["linear_probe", "fine_tune"] {
                let records = seed.losses.filter { $0.phase == phase }
                guard !records.isEmpty else { continue }
                let name = (phase == "linear_probe" ? "probe" : "fine-tune") + (seeds.count > 1 ? " " + seed.name : "")
                series.append(.init(name: name + " train", points: records.map { (Double($0.step), $0.loss) }))
                let evaluations = seed.evaluations.filter { $0.phase == phase }
                if !evaluations.isEmpty { series.append(.init(name: name + " val", points: evaluations.map { (Double($0.step), $0.metrics.loss) }, dashed: true)) }
            }
        }
        return LineChart(title: "Loss", xLabel: "optimizer step (per phase)", yLabel: "loss", series: series)
    }

    /// The headline metric at each evaluation, per seed and phase.
    public var metricChart: LineChart {
        let series = seeds.flatMap { seed in
            ["linear_probe", "fine_tune"].compactMap { phase -> LineChart.Series? in
                let evaluations = seed.evaluations.filter { $0.phase == phase }
                guard !evaluations.isEmpty else { return nil }
                let name = (phase == "linear_probe" ? "probe" : "fine-tune") + (seeds.count > 1 ? " " + seed.name : "")
                return .init(name: name, points: evaluations.map { (Double($0.step), $0.metrics.value(of: summary.metric) ?? .nan) })
            }
        }
        return LineChart(title: "Validation \(summary.metric)", xLabel: "optimizer step (per phase)", yLabel: summary.metric, series: series)
    }

    /// The confusion matrix of the kept model on the test set (else validation), when single-label.
    public var confusionMap: HeatMap? {
        guard let counts = (test ?? kept.validation).confusion else { return nil }
        return HeatMap(title: "Confusion matrix (\(test == nil ? "validation" : "test"))", rowLabel: "true class", columnLabel: "predicted", labels: data.classes, counts: counts)
    }

    private var headlineLines: [String] {
        let metric = summary.metric
        var lines = [String(format: "Validation %@ **%.4f** (%@, step %d)", metric, kept.validation.value(of: metric) ?? .nan, kept.name, kept.keptStep)]
        if seeds.count > 1 {
            lines.append(String(format: "Over %@: mean %.4f ± %.4f (min %.4f, max %.4f)", runsDescription, summary.mean, summary.standardDeviation, summary.minimum, summary.maximum))
        }
        if let test { lines.append(String(format: "Test %@ **%.4f** on %d examples", metric, test.value(of: metric) ?? .nan, test.examples)) }
        return lines
    }

    /// `3 seeds`, or `5 folds × 2 seeds` under cross-validation.
    public var runsDescription: String {
        let folds = Set(seeds.compactMap(\.fold)).count, seedCount = Set(seeds.map(\.seed)).count
        return (folds > 0 ? "\(folds) folds × " : "") + "\(seedCount) seed" + (seedCount == 1 ? "" : "s")
    }

    private var facts: [(String, String)] {
        [
            ("Model", "\(model.name) from \(URL(fileURLWithPath: model.checkpoint).lastPathComponent) (\(model.convention), sha256 \(model.checkpointSha256.prefix(12))…)"),
            ("Frozen", model.frozen.map(\.description).joined(separator: ", ").ifEmpty("nothing")),
            ("Trained", "\(model.trained.map(\.description).joined(separator: ", ")): \(model.trainableParameters) parameters"),
            ("Data", "\(data.source): "
                + (data.validationExamples > 0 ? "\(data.trainExamples) train, \(data.validationExamples) validation (\(data.validationSource))" : "\(data.trainExamples) examples, \(data.validationSource)")
                + (data.testExamples.map { ", \($0) test" } ?? "")),
            ("Overrides", overrides.map { "\($0.field) \($0.planned) → \($0.used)" }.joined(separator: "; ").ifEmpty("none")),
            ("Time", String(format: "%.1f s (%.0f%% loading data), %d threads", resources.seconds, resources.loadingShare * 100, resources.threads)
                + (resources.estimatedSeconds.map { String(format: "; the plan estimated %.0f s", $0) } ?? "")),
            ("Peak memory", String(format: "%.0f MiB; the compiled training plan holds %.0f MiB", Double(resources.peakResidentBytes) / 1_048_576, Double(resources.plannedBytes) / 1_048_576)
                + (resources.estimatedPeakBytes.map { String(format: "; the plan estimated %.0f MiB", $0 / 1_048_576) } ?? "")),
            ("Skipped", data.skipped.isEmpty ? "nothing" : "\(data.skipped.count): " + data.skipped.prefix(5).joined(separator: "; ")),
            ("Warnings", warnings.joined(separator: "; ").ifEmpty("none")),
        ]
    }

    private var shown: EvaluationMetrics { test ?? kept.validation }

    /// The report as Markdown.
    public func markdown(title: String) -> String {
        var lines = ["# \(title)", ""] + headlineLines.map { "- " + $0 } + ["", "| | |", "|---|---|"]
        lines += facts.map { "| \($0.0) | \($0.1.replacingOccurrences(of: "|", with: "\\|")) |" }
        if let classes = shown.perClass {
            lines += ["", "## Per class (\(test == nil ? "validation" : "test"))", "", "| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
            lines += classes.map { String(format: "| %@ | %.3f | %.3f | %.3f | %d |", $0.name, $0.precision, $0.recall, $0.f1, $0.support) }
        }
        let errors = kept.errors
        if !errors.confusedPairs.isEmpty {
            lines += ["", "## Most confused (validation)", "", "| true | predicted | count |", "|---|---|---:|"] + errors.confusedPairs.map { "| \($0.actual) | \($0.predicted) | \($0.count) |" }
        }
        lines += ["", "## Worst examples (validation)", "", "| example | true | predicted | loss |", "|---|---|---|---:|"]
        lines += errors.worstExamples.map { String(format: "| %@ | %@ | %@ | %.3f |", $0.origin, $0.actual, $0.predicted, $0.loss) }
        lines += ["", "Curves: report.html, metrics.csv, and the TensorBoard events in tensorboard/."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report as a self-contained HTML page.
    public func html(title: String) -> String {
        func e(_ text: String) -> String { ChartText.escapeHTML(text) }
        var body = "<h1>\(e(title))</h1>\n<ul class=\"headline\">" + headlineLines.map { "<li>" + e($0).replacingOccurrences(of: "**", with: "") + "</li>" }.joined() + "</ul>\n"
        body += "<table class=\"facts\">" + facts.map { "<tr><th>\(e($0.0))</th><td>\(e($0.1))</td></tr>" }.joined() + "</table>\n"
        body += "<section class=\"charts\">\n\(lossChart.svg())\(metricChart.svg())</section>\n"
        if let map = confusionMap { body += "<section>\n\(map.svg())</section>\n" }
        if let classes = shown.perClass {
            body += "<h2>Per class (\(test == nil ? "validation" : "test"))</h2>\n<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>"
            body += classes.map { String(format: "<tr><td>%@</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%d</td></tr>", e($0.name), $0.precision, $0.recall, $0.f1, $0.support) }.joined()
            body += "</table>\n"
        }
        let errors = kept.errors
        if !errors.confusedPairs.isEmpty {
            body += "<h2>Most confused (validation)</h2>\n<table><tr><th>true</th><th>predicted</th><th>count</th></tr>"
            body += errors.confusedPairs.map { "<tr><td>\(e($0.actual))</td><td>\(e($0.predicted))</td><td>\($0.count)</td></tr>" }.joined() + "</table>\n"
        }
        body += "<h2>Worst examples (validation)</h2>\n<table><tr><th>example</th><th>true</th><th>predicted</th><th>loss</th></tr>"
        body += errors.worstExamples.map { String(format: "<tr><td>%@</td><td>%@</td><td>%@</td><td>%.3f</td></tr>", e($0.origin), e($0.actual), e($0.predicted), $0.loss) }.joined() + "</table>\n"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
            <style>
            body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; } th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
            td:not(:first-child) { font-variant-numeric: tabular-nums; } .facts th { width: 9em; color: #555; font-weight: normal; }
            .headline li { font-size: 1.15em; margin: 0.2em 0; } .charts svg { margin: 0 1em 1em 0; } svg { max-width: 100%; height: auto; }
            </style></head>
            <body>
            \(body)</body></html>

            """
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
