import Foundation
import Plans
import Testing
import TestSupport
import Training

/// Whole-set metrics against scikit-learn's on the same outputs (formats/training/metrics).
struct EvaluationMetricsTests {
    static func reference(_ task: String) throws -> [String: Any] {
        try #require((try Fixtures.json("training/metrics", "metrics.json") as? [String: Any])?[task] as? [String: Any])
    }

    static func close(_ a: Double?, _ b: Any?, _ tolerance: Double = 1e-9) -> Bool {
        guard let a, let b = (b as? NSNumber)?.doubleValue else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func singleLabelMatchesScikitLearn() throws {
        let r = try Self.reference("single_label")
        let classes = r["classes"] as! Int, labels = r["labels"] as! [Int]
        let metrics = EvaluationMetrics(
            outputs: (r["logits"] as! [Double]).map(Float.init), targets: labels.map { .label($0) }, kind: .singleLabel,
            names: (0..<classes).map { "c\($0)" })
        #expect(Self.close(metrics.accuracy, r["accuracy"]))
        #expect(Self.close(metrics.top5Accuracy, r["top5_accuracy"]))
        #expect(Self.close(metrics.loss, r["loss"], 1e-6))
        #expect(metrics.confusion == r["confusion"] as? [[Int]])
        let perClass = try #require(metrics.perClass)
        for (name, values) in [("precision", perClass.map(\.precision)), ("recall", perClass.map(\.recall)), ("f1", perClass.map(\.f1))] {
            #expect(zip(values, r[name] as! [Double]).allSatisfy { abs($0 - $1) <= 1e-12 }, "\(name)")
        }
        #expect(perClass.map(\.support) == r["support"] as? [Int])
        #expect(Self.close(metrics.macroPrecision, r["macro_precision"]) && Self.close(metrics.macroRecall, r["macro_recall"]))
        #expect(Self.close(metrics.macroF1, r["macro_f1"]))
    }

    @Test func multiLabelMatchesScikitLearn() throws {
        let r = try Self.reference("multi_label")
        let classes = r["classes"] as! Int
        let metrics = EvaluationMetrics(
            outputs: (r["logits"] as! [Double]).map(Float.init), targets: (r["labels"] as! [[Int]]).map { .labels($0) }, kind: .multiLabel,
            names: (0..<classes).map { "l\($0)" })
        #expect(zip(metrics.perClass!.map(\.f1), r["f1"] as! [Double]).allSatisfy { abs($0 - $1) <= 1e-12 })
        #expect(Self.close(metrics.macroF1, r["macro_f1"]))
        #expect(Self.close(metrics.meanAveragePrecision, r["mean_average_precision"]))
        #expect(Self.close(metrics.loss, r["loss"], 1e-6))
    }

    @Test func regressionMatchesScikitLearn() throws {
        let r = try Self.reference("regression")
        let classes = r["classes"] as! Int
        let targets = (r["targets"] as! [Double]).map(Float.init)
        let metrics = EvaluationMetrics(
            outputs: (r["outputs"] as! [Double]).map(Float.init),
            targets: stride(from: 0, to: targets.count, by: classes).map { .values(Array(targets[$0..<$0 + classes])) }, kind: .regression,
            names: (0..<classes).map { "t\($0)" })
        #expect(Self.close(metrics.mse, r["mse"]) && Self.close(metrics.mae, r["mae"]) && Self.close(metrics.r2, r["r2"]))
        #expect(Self.close(metrics.loss, r["loss"]))
    }

    /// The worst examples are named in the task's own terms: the top class, the labels predicted
    /// present (positive logits), or the predicted values.
    @Test func errorAnalysisDescribesPredictionsAsTheTaskDoes() {
        func worst(_ outputs: [Float], _ targets: [ExampleTarget], _ kind: TaskProfile.Kind, _ names: [String]) -> [ErrorAnalysis.ExampleError] {
            let examples = targets.enumerated().map { Example(input: .text("\($0.offset)"), target: $0.element, origin: "row \($0.offset)") }
            let metrics = EvaluationMetrics(outputs: outputs, targets: targets, kind: kind, names: names)
            return ErrorAnalysis(outputs: outputs, examples: examples, metrics: metrics, names: names).worstExamples
        }
        let multi = worst([2, -1, 0.5, -3, 3, -2, -1, -1, -1], [.labels([0]), .labels([0, 2]), .labels([1])], .multiLabel, ["a", "b", "c"])
        #expect(multi.map(\.origin) == ["row 1", "row 2", "row 0"])
        #expect(multi.map(\.predicted) == ["b", "none", "a|c"] && multi.map(\.actual) == ["a|c", "b", "a"])
        let regression = worst([1.5, 2, 0, 9], [.values([1, 2]), .values([0, 3])], .regression, ["x", "y"])
        #expect(regression.map(\.origin) == ["row 1", "row 0"] && regression.map(\.predicted) == ["0.0, 9.0", "1.5, 2.0"])
        let single = worst([0, 3, 1, 2, 0, 0], [.label(0), .label(0)], .singleLabel, ["p", "q", "r"])
        #expect(single.map(\.predicted) == ["q", "p"])
    }
}
