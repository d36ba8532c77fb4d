import Architectures
import CheckpointFormats
import Engine
import Foundation
import Tensors
import Testing
import TestSupport

/// Every registry model's gradients against PyTorch autograd (formats/training/README.md says how
/// the reference was made): the model with a fresh head, name-keyed weights, one training step
/// at three freeze depths (nothing frozen, the first half of the groups, everything but the head).
/// The reference is PyTorch's float64 gradient, stored as each tensor's norm and two random
/// projections; each trainable tensor must be within 1e-4 of its norm (`Tolerance` says where
/// float32 itself cannot be, and how the projections are bounded),
/// frozen tensors get no gradient, frozen batch-norm statistics stay bit-identical, and trained
/// ones equal PyTorch's updated statistics.
@Suite(.serialized)
struct RegistryGradientTests {
    nonisolated(unsafe) static let fixture: [String: Any] = {
        let root = try! Fixtures.json("training", "gradients.json") as! [String: Any]
        return root["models"] as! [String: Any]
    }()

    static let models = Registry.models.map(\.name)
    static let depths = ["none", "half", "head"]

    @Test("gradients equal PyTorch autograd at three freeze depths", arguments: models)
    func model(_ name: String) throws {
        let record = try #require(Self.fixture[name] as? [String: Any], "no fixture for \(name)")
        let classes = record["classes"] as! Int
        let graph = Registry.model(named: name)!.build(classes)
        let reference = try NpzReader(path: Fixtures.path("training", "gradients/\(name).npz"))
        let gain = record["c"] as! Double
        let generated = try ParameterStore(graph: graph, source: EngineReference.weights(gain: gain))
        let names = record["parameters"] as! [String], statistics = record["statistics"] as! [String]
        // As sets: transformers 5 registers RoBERTa's position embeddings after the LayerNorm.
        #expect(Set(names) == Set(generated.tensors.filter { !$0.isBuffer }.map(\.name)), "\(name): trainable tensors differ from PyTorch's")
        #expect(graph.freezeGroups.map(\.description) == record["groups"] as! [String], "\(name): freeze groups differ")
        let depths = record["depths"] as! [String: Any]
        for depth in Self.depths {
            let entry = depths[depth] as! [String: Any]
            let frozenNames = Set(entry["frozen_groups"] as! [String])
            let frozen = graph.freezeGroups.filter { frozenNames.contains($0.description) }
            let store = try ParameterStore(graph: graph, source: generated, frozen: Set(frozen))
            let plan = try TrainingPlan(graph: graph, parameters: store, frozen: frozen, input: Self.input(record, graph), batch: 2, loss: .crossEntropy())
            let loss = try Self.step(plan, record)
            // The loss as the tensors below: 1e-4, or what float32 itself cannot do better than.
            let expectedLoss = entry["loss"] as! Double, torchLoss = entry["loss_f32"] as! Double
            let conditioning = max(entry["f32_vs_f64"] as! Double, entry["f64_perturbed"] as? Double ?? 0)  // measured on flagged steps only
            #expect(abs(loss - expectedLoss) <= max(1e-4, conditioning) * abs(expectedLoss) + 2 * abs(torchLoss - expectedLoss),
                    "\(name) [\(depth)]: loss \(loss), PyTorch \(expectedLoss) (float32 \(torchLoss))")

            let gradients = try reference.tensor(named: "\(depth)_gradients").scalars(as: Double.self)
            let torchErrors = try reference.tensor(named: "\(depth)_differences").scalars(as: Double.self)
            let floor = 1e-6 * (entry["max_gradient_norm"] as! Double)
            for (row, tensorName) in names.enumerated() {
                let tensor = store[tensorName]!
                let expected = Array(gradients[row * 3..<row * 3 + 3])
                guard let gradient = tensor.gradientArray else {
                    #expect(frozen.contains(tensor.group) && expected == [0, 0, 0], "\(name) [\(depth)]: \(tensorName) has no gradient, PyTorch's norm is \(expected[0])")
                    continue
                }
                #expect(!frozen.contains(tensor.group), "\(name) [\(depth)]: frozen \(tensorName) has a gradient")
                let tolerance = Tolerance(
                    reference: expected[0], torchErrors: [torchErrors[row * 2], torchErrors[row * 2 + 1]], conditioning: conditioning, floor: floor)
                tolerance.compare(Self.summary(gradient, name: tensorName), expected, count: tensor.count, "\(name) [\(depth)]: gradient of \(tensorName)")
            }
            let after = try reference.tensor(named: "\(depth)_statistics").scalars(as: Double.self)
            let statisticErrors = try reference.tensor(named: "\(depth)_statistics_differences").scalars(as: Double.self)
            for (row, statistic) in statistics.enumerated() {
                let tensor = store[statistic]!
                if frozen.contains(tensor.group) {
                    #expect(tensor.valueArray == generated[statistic]!.valueArray, "\(name) [\(depth)]: frozen \(statistic) changed")
                } else {
                    let expected = Array(after[row * 3..<row * 3 + 3])
                    Tolerance(reference: expected[0], torchErrors: [statisticErrors[row * 2], statisticErrors[row * 2 + 1]], conditioning: 0, floor: 0)
                        .compare(Self.summary(tensor.valueArray, name: statistic), expected, count: tensor.count, "\(name) [\(depth)]: updated \(statistic)")
                }
            }
        }
    }

    /// The reference's input: 64×64 images, or the token batch recorded in the fixture.
    static func input(_ record: [String: Any], _ graph: ModelGraph) -> InputSpec {
        let input = record["input"] as! [String: Any]
        if input["kind"] as! String == "image" { return .image(channels: 3, size: input["size"] as! Int) }
        return .tokens(length: (input["input_ids"] as! [[Int]])[0].count)
    }

    static func step(_ plan: TrainingPlan, _ record: [String: Any]) throws -> Double {
        plan.dropoutEnabled = false
        let targets = Targets.classes(record["targets"] as! [Int])
        let input = record["input"] as! [String: Any]
        if case .image(_, let size) = plan.input {
            return try plan.step(images: NameKeyedWeights.image(batch: 2, size: size).scalars(as: Float.self), count: 2, targets: targets)
        }
        let tokens = try TokenBatch(
            ids: input["input_ids"] as! [[Int]], attentionMask: input["attention_mask"] as! [[Int]], tokenTypes: input["token_type_ids"] as? [[Int]])
        return try plan.step(tokens: tokens, targets: targets)
    }

    /// A tensor's norm, its two projections, and each projection vector's norm over √n, as
    /// the fixture's generator computes them (formats/training/README.md, "Projections").
    static func summary(_ values: [Float], name: String) -> [Double] {
        let norm = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        var projections: [Double] = [], scales: [Double] = []
        for k in 0..<2 {
            var rng = SplitMix64(seed: NameKeyedWeights.seed("gradient:\(name):\(k)"))
            var dot = 0.0, squares = 0.0
            for value in values {
                let r = Double(2 * NameKeyedWeights.uniform(&rng) - 1)
                dot += r * Double(value)
                squares += r * r
            }
            projections.append(dot / Double(values.count).squareRoot())
            scales.append((squares / Double(values.count)).squareRoot())
        }
        return [norm] + projections + scales
    }

    /// How close a tensor must be to PyTorch's float64 result, ‖Δ‖ ≤ `allowed`: 1e-4 of its
    /// norm, unless float32 itself cannot get that close — where PyTorch's own float32 gradient,
    /// or the float64 gradient of weights nudged by one float32 rounding, moves further (twice
    /// that, for the tensor; once the step's worst, for every tensor of the step: batch statistics
    /// over two images cancel heavily in deep ResNets, EfficientNet-Lite and VGG-BN trained
    /// whole, and a ReLU6 input a rounding away from its kink flips its gradient; the fixture
    /// records both measures, formats/training/README.md) — plus `floor`, 1e-6 of the step's
    /// largest gradient norm, for gradients that are zero in exact arithmetic (a bias before a
    /// training-mode batch-norm, attention's key bias), where both sides hold rounding noise.
    struct Tolerance {
        let allowed: Double

        init(reference norm: Double, torchErrors: [Double], conditioning: Double, floor: Double) {
            allowed = max(1e-4 * norm, 2 * torchErrors.max()!, conditioning * norm) + floor
        }

        /// ‖Δ‖ ≤ `allowed` bounds the norm's difference by `allowed` and, by Cauchy–Schwarz, each
        /// projection's by `allowed`·‖r‖/√n: bounds a correct gradient always meets.
        func compare(_ found: [Double], _ expected: [Double], count: Int, _ what: String) {
            #expect(abs(found[0] - expected[0]) <= allowed, "\(what): norm \(found[0]), PyTorch \(expected[0]) (allowed ±\(allowed))")
            for k in 1...2 {
                #expect(abs(found[k] - expected[k]) <= allowed * found[k + 2],
                        "\(what): projection \(k - 1) \(found[k]), PyTorch \(expected[k]) (allowed ±\(allowed * found[k + 2]))")
            }
        }
    }
}
