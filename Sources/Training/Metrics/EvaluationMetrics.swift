import Foundation
import Plans

/// Metrics over a whole evaluation set, computed from every example's outputs at once (never
/// averaged per batch), as scikit-learn defines them: `accuracy_score`, `top_k_accuracy_score`,
/// `precision_recall_fscore_support` per class and macro-averaged over every class (0 where a
/// class is never predicted), `confusion_matrix`; `mean_squared_error`, `mean_absolute_error`,
/// `r2_score` (uniform over outputs); per-label F1 and `average_precision_score` averaged over
/// labels with a positive example. `loss` is the mean per-example loss without label smoothing
/// or class weights: cross-entropy, binary cross-entropy over every output, or squared error.
public struct EvaluationMetrics: Codable, Equatable, Sendable {
    public struct ClassMetrics: Codable, Equatable, Sendable {
        public var name: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Examples of the class in the set.
        public var support: Int
    }

    public var examples: Int
    public var loss: Double
    public var accuracy: Double?
    /// With more than five classes.
    public var top5Accuracy: Double?
    public var macroPrecision: Double?
    public var macroRecall: Double?
    public var macroF1: Double?
    public var perClass: [ClassMetrics]?
    /// `confusion[true][predicted]` counts.
    public var confusion: [[Int]]?
    public var mse: Double?
    public var mae: Double?
    public var r2: Double?
    /// Multi-label: mean average precision over labels with a positive example.
    public var meanAveragePrecision: Double?

    /// The metrics of `outputs` (`[count, width]` logits) against `targets`, for a task of `kind` whose outputs are named `names`.
    public init(outputs: [Float], targets: [ExampleTarget], kind: TaskProfile.Kind, names: [String]) {
        let count = targets.count, width = names.count
        examples = count
        let losses = PerExampleLoss.losses(outputs: outputs, targets: targets, width: width)
        loss = count == 0 ? .nan : losses.reduce(0, +) / Double(count)
        switch kind {
        case .singleLabel, .sentencePair:
            let truth = targets.map { if case .label(let label) = $0 { label } else { -1 } }
            let rows = (0..<count).map { Array(outputs[$0 * width..<($0 + 1) * width]) }
            let predicted = rows.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }! }
            var confusion = [[Int]](repeating: [Int](repeating: 0, count: width), count: width)
            for (t, p) in zip(truth, predicted) where t >= 0 { confusion[t][p] += 1 }
            self.confusion = confusion
            accuracy = Double(zip(truth, predicted).filter { $0 == $1 }.count) / Double(max(count, 1))
            if width > 5 {
                // scikit-learn's top_k_accuracy_score: the true class among the k largest (ties by lower index).
                top5Accuracy = Double(zip(rows, truth).filter { row, t in
                    row.indices.filter { row[$0] > row[t] || (row[$0] == row[t] && $0 < t) }.count < 5
                }.count) / Double(max(count, 1))
            }
            perClass = (0..<width).map { c in
                let truePositive = Double(confusion[c][c])
                let predictedCount = Double((0..<width).reduce(0) { $0 + confusion[$1][c] }), support = confusion[c].reduce(0, +)
                let precision = predictedCount > 0 ? truePositive / predictedCount : 0
                let recall = support > 0 ? truePositive / Double(support) : 0
                let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
                return ClassMetrics(name: names[c], precision: precision, recall: recall, f1: f1, support: support)
            }
            macroPrecision = perClass!.map(\.precision).reduce(0, +) / Double(width)
            macroRecall = perClass!.map(\.recall).reduce(0, +) / Double(width)
            macroF1 = perClass!.map(\.f1).reduce(0, +) / Double(width)
        case .multiLabel:
            let truth = targets.map { target -> Set<Int> in if case .labels(let labels) = target { Set(labels) } else { [] } }
            perClass = (0..<width).map { c in
                var tp = 0.0, fp = 0.0, fn = 0.0
                for (row, labels) in truth.enumerated() {
                    let predicted = outputs[row * width + c] > 0, actual = labels.contains(c)
                    if predicted && actual { tp += 1 } else if predicted { fp += 1 } else if actual { fn += 1 }
                }
                let precision = tp + fp > 0 ? tp / (tp + fp) : 0, recall = tp + fn > 0 ? tp / (tp + fn) : 0
                let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
                return ClassMetrics(name: names[c], precision: precision, recall: recall, f1: f1, support: Int(tp + fn))
            }
            macroF1 = perClass!.map(\.f1).reduce(0, +) / Double(max(width, 1))
            let precisions = (0..<width).compactMap { c in
                Self.averagePrecision(scores: (0..<count).map { outputs[$0 * width + c] }, positives: truth.map { $0.contains(c) })
            }
            meanAveragePrecision = precisions.isEmpty ? nil : precisions.reduce(0, +) / Double(precisions.count)
        case .regression:
            let truth: [[Float]] = targets.map { if case .values(let values) = $0 { values } else { [] } }
            var squared = 0.0, absolute = 0.0, r2Sum = 0.0
            for output in 0..<width {
                let actual = truth.map { Double($0[output]) }, mean = actual.reduce(0, +) / Double(max(count, 1))
                var residual = 0.0, total = 0.0
                for (row, y) in actual.enumerated() {
                    let error = Double(outputs[row * width + output]) - y
                    residual += error * error
                    absolute += abs(error)
                    total += (y - mean) * (y - mean)
                }
                squared += residual
                // scikit-learn: a constant target scores 1 when predicted exactly, else 0.
                r2Sum += total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
            }
            let values = Double(max(count * width, 1))
            (mse, mae, r2) = (squared / values, absolute / values, r2Sum / Double(max(width, 1)))
        }
    }

    /// scikit-learn's `average_precision_score` for one label: Σ (Rₙ − Rₙ₋₁)·Pₙ over the distinct
    /// score thresholds, highest first; nil without a positive example.
    static func averagePrecision(scores: [Float], positives: [Bool]) -> Double? {
        let total = positives.filter { $0 }.count
        guard total > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0, seen = 0, previousRecall = 0.0, sum = 0.0
        var index = 0
        while index < order.count {
            let threshold = scores[order[index]]
            while index < order.count && scores[order[index]] == threshold {
                if positives[order[index]] { truePositives += 1 }
                seen += 1
                index += 1
            }
            let recall = Double(truePositives) / Double(total), precision = Double(truePositives) / Double(seen)
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return sum
    }

    /// The value of a plan's early-stopping metric (`accuracy`, `loss`, `macro_f1`, `top5_accuracy`,
    /// `mse`, `mae`, `r2`, `mean_average_precision`), nil when this task has none of that name.
    public func value(of metric: String) -> Double? {
        switch metric {
        case "accuracy": accuracy
        case "loss": loss
        case "top5_accuracy", "top_5_accuracy": top5Accuracy
        case "macro_f1", "f1": macroF1
        case "macro_precision": macroPrecision
        case "macro_recall": macroRecall
        case "mse": mse
        case "mae": mae
        case "r2": r2
        case "mean_average_precision", "map": meanAveragePrecision
        default: nil
        }
    }

    /// Whether a larger value of `metric` is better (false for losses and errors).
    public static func higherIsBetter(_ metric: String) -> Bool { !["loss", "mse", "mae"].contains(metric) }

    /// The headline metric of a task: accuracy, mean average precision, or R².
    public static func headline(for kind: TaskProfile.Kind) -> String {
        switch kind {
        case .singleLabel, .sentencePair: "accuracy"
        case .multiLabel: "mean_average_precision"
        case .regression: "r2"
        }
    }
}

/// Per-example losses, for the metrics' mean loss and the error analysis's worst examples.
enum PerExampleLoss {
    static func losses(outputs: [Float], targets: [ExampleTarget], width: Int) -> [Double] {
        targets.enumerated().map { row, target in
            let z = (0..<width).map { Double(outputs[row * width + $0]) }
            switch target {
            case .label(let label):
                let largest = z.max() ?? 0
                let logSum = log(z.reduce(0) { $0 + exp($1 - largest) }) + largest
                return logSum - z[label]
            case .labels(let labels):
                let present = Set(labels)
                return (0..<width).reduce(0.0) { sum, c in
                    let y = present.contains(c) ? 1.0 : 0.0
                    return sum + max(z[c], 0) - z[c] * y + log1p(exp(-abs(z[c])))
                } / Double(width)
            case .values(let values):
                return (0..<width).reduce(0.0) { $0 + (z[$1] - Double(values[$1])) * (z[$1] - Double(values[$1])) } / Double(width)
            }
        }
    }
}
