import Architectures
import Engine
import Foundation
import NameMapping
import Plans
import Preprocessing

/// A fine-tuned model folder (`ModelFolder`) evaluated on labelled data: the same inputs,
/// metrics and error analysis as the fine-tune's validation, computed by the inference engine.
public struct ModelEvaluation: Sendable {
    public let model: String
    public let metrics: EvaluationMetrics
    public let errors: ErrorAnalysis

    /// Evaluates the model in `folder` on `examples`, whose class names must be among the model's
    /// (matched by name, so the data's order does not matter).
    public init(folder: String, examples: LabelledExamples, batch: Int = 32) throws {
        let weights = folder + "/" + ModelFolder.weightsFile
        guard let config = ModelFolderConfig.read(besides: weights), !config.model.isEmpty else {
            throw TrainingError.unreadable(folder + "/" + ModelFolderConfig.fileName + " (a model folder that zoo finetune wrote)")
        }
        let checkpoint = try IdentifiedCheckpoint(path: weights, model: config.model)
        let names = config.classNames
        let relabelled = try Self.relabel(examples, to: names)
        let encoder = try ExampleEncoder.forModel(checkpoint.model, preprocessing: config.preprocessing, tokenizerFolder: folder, examples: relabelled.examples)
        let graph = checkpoint.graph, output = graph.nodes[graph.classifier!].name
        let plan = try ForwardPlan(graph: graph, weights: checkpoint.weights, input: encoder.input, batch: batch, outputs: [output])
        var outputs: [Float] = []
        for start in stride(from: 0, to: relabelled.count, by: batch) {
            switch try encoder.encode(Array(relabelled.examples[start..<min(start + batch, relabelled.count)])) {
            case .images(let images, let count): outputs += try plan.run(images: images, count: count)[0]
            case .tokens(let tokens): outputs += try plan.run(tokens: tokens)[0]
            }
        }
        model = config.model
        metrics = EvaluationMetrics(outputs: outputs, targets: relabelled.examples.map(\.target), kind: config.task, names: names)
        errors = ErrorAnalysis(outputs: outputs, examples: relabelled.examples, metrics: metrics, names: names)
    }

    /// `examples` with their labels renumbered into `names`' order; a class the model lacks is an error.
    static func relabel(_ examples: LabelledExamples, to names: [String]) throws -> LabelledExamples {
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let mapping = try examples.classes.map { name in
            guard let position = index[name] else { throw TrainingError.dataMismatch("the data's class '\(name)' is not one of the model's: \(names.joined(separator: ", "))") }
            return position
        }
        let renumbered = examples.examples.map { example -> Example in
            switch example.target {
            case .label(let label): Example(input: example.input, target: .label(mapping[label]), origin: example.origin, group: example.group)
            case .labels(let labels): Example(input: example.input, target: .labels(labels.map { mapping[$0] }), origin: example.origin, group: example.group)
            case .values: example
            }
        }
        return LabelledExamples(examples: renumbered, classes: names)
    }
}
