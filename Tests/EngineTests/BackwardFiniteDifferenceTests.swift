import Architectures
import Engine
import Foundation
import Tensors
import Testing
import TestSupport

/// Every backward kernel against central finite differences of the loss: small graphs that put
/// each operation between trainable layers (so both its weight gradient and the input gradient it
/// passes down are checked), with stride 2 and padding, TF-SAME padding, groups equal to channels,
/// squeeze-excite, masked sequence rows, label smoothing with class weights, multi-label and
/// regression losses, dropout and a frozen batch-norm on the backward path.
///
/// The forward pass is float32; the differences use a step of 1e-3 on the parameter (1e-2 crosses
/// the kinks of ReLU6, hard-swish and max-pooling on maps this small) and a tolerance of 2% of the
/// gradient's largest entry plus 2e-5 (the differences' own float32 noise, which matters for
/// gradients that are zero in exact arithmetic: a bias before a training-mode batch-norm,
/// attention's key bias): a wrong formula is off by the size of the gradient.
@Suite(.serialized)
struct BackwardFiniteDifferenceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let graph: @Sendable () -> ModelGraph
        let frozen: [FreezeGroup]
        let loss: Loss
        let targets: Targets
        /// Trained batch-norms on their running statistics (`TrainingPlan.batchNormStatisticsFrozen`).
        var frozenStatistics = false
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "convolutions, batch-norm, pooling, label smoothing with class weights", graph: cnn,
             frozen: [], loss: .crossEntropy(labelSmoothing: 0.1, classWeights: [1, 2, 0.5, 1.5, 1]), targets: .classes([1, 3, 4])),
        Case(name: "the same with the trained batch-norms on their running statistics (zoo finetune --equivalence)", graph: cnn,
             frozen: [], loss: .crossEntropy(labelSmoothing: 0.1, classWeights: [1, 2, 0.5, 1.5, 1]), targets: .classes([1, 3, 4]),
             frozenStatistics: true),
        Case(name: "TF-SAME stride 2, squeeze-excite, residual, dropout, multi-label", graph: {
            var b = GraphBuilder()
            let stem = b.add("conv", .conv2d(.init(3, 6, kernel: 3, stride: 2, padding: .same)))
            b.add("act", .activation(.silu))
            b.group = .stage(1)
            let x = b.add("dw", .conv2d(.init(6, 6, kernel: 3, stride: 1, padding: .same, groups: 6, bias: true)))
            b.add("se.avgpool", .adaptiveAvgPool(size: 1), [x])
            b.add("se.fc1", .conv2d(.init(6, 2, kernel: 1, bias: true)))
            b.add("se.activation", .activation(.relu))
            b.add("se.fc2", .conv2d(.init(2, 6, kernel: 1, bias: true)))
            let gate = b.add("se.scale_activation", .activation(.hardsigmoid))
            b.add("se.scale", .multiply, [x, gate])
            let sum = b.add("add", .add, [b.nodes.count - 1, stem])
            b.add("gelu", .activation(.gelu), [sum])
            b.group = .head
            b.add("avgpool", .adaptiveAvgPool(size: 1))
            b.add("flatten", .flatten)
            b.add("drop", .dropout(probability: 0.3))
            b.add("fc", .linear(inFeatures: 6, outFeatures: 3, bias: true))
            return b.graph(name: "se", input: .image(channels: 3, size: 8))
        }, frozen: [], loss: .binaryCrossEntropy, targets: .values([1, 0, 1, 0, 0, 1, 1, 1, 0])),

        Case(name: "a frozen batch-norm on the path, sigmoid and tanh, regression", graph: {
            var b = GraphBuilder()
            b.add("conv", .conv2d(.init(3, 4, kernel: 3, padding: 1)))
            b.group = .stage(1)
            b.add("bn", .batchNorm(channels: 4, epsilon: 1e-5))
            b.add("sig", .activation(.sigmoid))
            b.add("flatten", .flatten)
            b.group = .head
            b.add("fc1", .linear(inFeatures: 4 * 25, outFeatures: 6, bias: true))
            b.add("tanh", .activation(.tanh))
            b.add("fc2", .linear(inFeatures: 6, outFeatures: 2, bias: false))
            return b.graph(name: "surgical", input: .image(channels: 3, size: 5))
        }, frozen: [.stage(1)], loss: .meanSquaredError, targets: .values([0.5, -1, 2, 0.25, -0.5, 1])),

        Case(name: "encoder layer with masked rows, both GELUs, pooler", graph: {
            Self.encoder()
        }, frozen: [], loss: .crossEntropy(), targets: .classes([0, 2, 1])),
    ]

    /// A two-head encoder layer over token, position and type embeddings.
    /// Convolutions, trained batch-norms with fused ReLU6 and hard-swish, pooling.
    @Sendable static func cnn() -> ModelGraph {
        var b = GraphBuilder()
        b.add("conv", .conv2d(.init(3, 4, kernel: 3, stride: 2, padding: 1, bias: true)))
        b.add("bn", .batchNorm(channels: 4, epsilon: 1e-5))
        b.add("act", .activation(.relu6))
        b.group = .stage(1)
        b.add("dw", .conv2d(.init(4, 4, kernel: 3, stride: 2, padding: 1, groups: 4)))
        b.add("bn2", .batchNorm(channels: 4, epsilon: 1e-3, momentum: 0.01))
        b.add("act2", .activation(.hardswish))
        b.add("pw", .conv2d(.init(4, 6, kernel: 1)))
        b.add("pool", .maxPool(kernel: 3, stride: 2, padding: 1))
        b.add("avg", .adaptiveAvgPool(size: 2))
        b.add("flatten", .flatten)
        b.group = .head
        b.add("fc", .linear(inFeatures: 24, outFeatures: 5, bias: true))
        return b.graph(name: "cnn", input: .image(channels: 3, size: 9))
    }

    static func encoder() -> ModelGraph {
        var b = GraphBuilder()
        b.group = .embeddings
        let word = b.add("word", .embedding(count: 11, dimension: 8, index: .token), [0])
        let position = b.add("position", .embedding(count: 12, dimension: 8, index: .positionAfterPadding(paddingToken: 1)), [0])
        let type = b.add("type", .embedding(count: 2, dimension: 8, index: .tokenType), [0])
        b.add("sum", .add, [word, position, type])
        let x = b.add("norm", .layerNorm(dimension: 8, epsilon: 1e-12))
        b.group = .layer(0)
        let q = b.add("q", .linear(inFeatures: 8, outFeatures: 8, bias: true), [x])
        let k = b.add("k", .linear(inFeatures: 8, outFeatures: 8, bias: true), [x])
        let v = b.add("v", .linear(inFeatures: 8, outFeatures: 8, bias: true), [x])
        b.add("attention", .attention(heads: 2), [q, k, v])
        let o = b.add("o", .linear(inFeatures: 8, outFeatures: 8, bias: true))
        b.add("add", .add, [o, x])
        let normed = b.add("norm2", .layerNorm(dimension: 8, epsilon: 1e-5))
        b.add("up", .linear(inFeatures: 8, outFeatures: 12, bias: true))
        b.add("gelu", .activation(.gelu))
        b.add("down", .linear(inFeatures: 12, outFeatures: 8, bias: true))
        b.add("gelu_tanh", .activation(.geluTanh))
        b.add("add2", .add, [b.nodes.count - 1, normed])
        b.add("first", .firstToken)
        b.group = .pooler
        b.add("pool", .linear(inFeatures: 8, outFeatures: 8, bias: true))
        b.add("tanh", .activation(.tanh))
        b.group = .head
        b.add("classifier", .linear(inFeatures: 8, outFeatures: 3, bias: true))
        return b.graph(name: "encoder", input: .tokens(length: 5))
    }

    static let tokens = try! TokenBatch(
        ids: [[0, 5, 7, 3, 2], [0, 9, 2, 1, 1], [0, 4, 4, 10, 6]],
        attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1]],
        tokenTypes: [[0, 0, 1, 1, 1], [0, 0, 0, 0, 0], [0, 1, 1, 1, 1]])

    /// Random weights in ±1/√fan-in (variances in [0.5, 1.5]), seeded by name.
    static var weights: ComputedWeights {
        ComputedWeights { name, shape in
        var rng = SplitMix64(seed: NameKeyedWeights.seed("fd:" + name))
        let fanIn = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 1
        return (0..<shape.reduce(1, *)).map { _ in
            let u = NameKeyedWeights.uniform(&rng)
            if name.hasSuffix("running_var") { return 0.5 + u }
            return (2 * u - 1) * (shape.count >= 2 ? 2 / Float(fanIn).squareRoot() : 1)
        }
        }
    }

    /// The loss of one step of a freshly compiled plan (so dropout draws the same first mask).
    static func loss(_ test: Case, _ store: ParameterStore) throws -> Double {
        defer { store.zeroGradients() }
        return try step(test, store)
    }

    static func step(_ test: Case, _ store: ParameterStore) throws -> Double {
        let graph = test.graph()
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: test.frozen, batch: 3, loss: test.loss, seed: 7)
        plan.batchNormStatisticsFrozen = test.frozenStatistics
        if case .image(let channels, let size) = graph.input {
            var rng = SplitMix64(seed: 42)
            let images = (0..<3 * channels * size * size).map { _ in 2 * NameKeyedWeights.uniform(&rng) - 1 }
            return try plan.step(images: images, count: 3, targets: test.targets)
        }
        return try plan.step(tokens: tokens, targets: test.targets)
    }

    @Test(arguments: cases)
    func gradientsEqualFiniteDifferences(_ test: Case) throws {
        let graph = test.graph()
        let store = try ParameterStore(graph: graph, source: Self.weights, frozen: Set(test.frozen))
        let statistics = store.tensors.filter { $0.name.hasSuffix("running_mean") || $0.name.hasSuffix("running_var") }
        let before = statistics.map(\.valueArray)
        let analytic = try Self.gradients(test, store)
        if test.frozenStatistics {
            // Normalising with the running statistics leaves them, and the batch counters, as they were.
            #expect(statistics.map(\.valueArray) == before && store.batchesTracked.values.allSatisfy { $0 == 0 }, "\(test.name)")
        } else if !statistics.isEmpty && test.frozen.isEmpty {
            #expect(statistics.map(\.valueArray) != before, "\(test.name): training-mode batch-norm updates its running statistics")
        }
        var checked = 0
        for tensor in store.trainable {
            let gradient = analytic[tensor.name]!
            let largest = gradient.map(abs).max()!
            var rng = SplitMix64(seed: NameKeyedWeights.seed(tensor.name))
            for _ in 0..<min(tensor.count, 6) {
                let index = Int(rng.next() % UInt64(tensor.count))
                let original = tensor.values[index], h: Float = 1e-3
                tensor.values[index] = original + h
                let up = try Self.loss(test, store)
                tensor.values[index] = original - h
                let down = try Self.loss(test, store)
                tensor.values[index] = original
                let numeric = (up - down) / Double(2 * h)
                #expect(abs(numeric - Double(gradient[index])) <= 0.02 * Double(largest) + 2e-5,
                        "\(test.name): \(tensor.name)[\(index)] backward \(gradient[index]), finite difference \(numeric)")
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    /// The store's gradients after one step, by tensor name.
    static func gradients(_ test: Case, _ store: ParameterStore) throws -> [String: [Float]] {
        store.zeroGradients()
        _ = try step(test, store)
        defer { store.zeroGradients() }
        return Dictionary(uniqueKeysWithValues: store.trainable.map { ($0.name, $0.gradientArray!) })
    }
}
