import Architectures
import CheckpointFormats
import Engine
import Foundation
import Tensors
import Testing
import TestSupport

/// The training plan's own contracts, beyond gradients: the cut at a freeze boundary, training on
/// cached features, gradient accumulation, fresh heads, the store's checkpoint stream and errors.
struct TrainingPlanTests {
    static var weights: ComputedWeights { EngineReference.weights(gain: 2.5) }

    static func images(_ count: Int, size: Int) -> [Float] {
        var rng = SplitMix64(seed: 9)
        return (0..<count * 3 * size * size).map { _ in 2 * NameKeyedWeights.uniform(&rng) - 1 }
    }

    @Test("head only: the suffix's logits equal the inference plan's, from the prefix or cached features")
    func cutAtTheHead() throws {
        let graph = Registry.model(named: "resnet18")!.build(7)
        let frozen = Array(graph.freezeGroups.dropLast())
        let store = try ParameterStore(graph: graph, source: Self.weights, frozen: Set(frozen))
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: frozen, input: .image(channels: 3, size: 32), batch: 3, loss: .crossEntropy())
        #expect(plan.cutNames == ["flatten"])
        let inference = try ForwardPlan(graph: graph, weights: store, input: .image(channels: 3, size: 32), batch: 3)
        let x = Self.images(3, size: 32)
        let expected = try inference.run(images: x, count: 3)[0]
        let loss = try plan.step(images: x, count: 3, targets: .classes([0, 6, 2]))
        #expect(maxAbsoluteDifference(plan.logits, expected) <= 1e-5)
        let gradient = store["fc.weight"]!.gradientArray!
        store.zeroGradients()

        let features = try plan.prefix!.run(images: x, count: 3)
        let cached = try plan.step(features: features, count: 3, targets: .classes([0, 6, 2]))
        #expect(cached == loss)
        #expect(store["fc.weight"]!.gradientArray! == gradient)
        #expect(store.trainable.map(\.name) == ["fc.weight", "fc.bias"])
    }

    @Test("evaluation mode computes the inference plan's logits on running statistics and changes nothing")
    func evaluationMode() throws {
        let graph = Registry.model(named: "mobilenet_v2")!.build(5)
        let store = try ParameterStore(graph: graph, source: Self.weights, frozen: [.stem])
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: [.stem], input: .image(channels: 3, size: 32), batch: 4, loss: .crossEntropy(), seed: 2)
        let x = Self.images(4, size: 32)
        let trainingLoss = try plan.step(images: x, count: 4, targets: .classes([0, 1, 2, 3]))
        let snapshot = store.tensors.map(\.valueArray), counters = store.batchesTracked
        let inference = try ForwardPlan(graph: graph, weights: store, input: .image(channels: 3, size: 32), batch: 4)
        let expected = try inference.run(images: x, count: 4)[0]
        let logits = try plan.evaluate(images: x, count: 4)
        #expect(maxAbsoluteDifference(logits, expected) <= 1e-4 * expected.map(abs).max()!)
        // Training mode's logits differ: batch statistics and dropout.
        #expect(maxAbsoluteDifference(plan.logits, expected) > 1e-2)
        #expect(store.tensors.map(\.valueArray) == snapshot && store.batchesTracked == counters)
        // Evaluation draws nothing: a second pass gives the same logits; training mode is back after it.
        #expect(try plan.evaluate(images: x, count: 4) == logits)
        #expect(try plan.step(images: x, count: 4, targets: .classes([0, 1, 2, 3])) != trainingLoss)
    }

    @Test("two micro-batches scaled by their share of the examples give the whole batch's gradient")
    func accumulation() throws {
        let graph = Registry.model(named: "bert_tiny_uncased")!.build(3)
        let store = try ParameterStore(graph: graph, source: EngineReference.weights(gain: 0.5))
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: [], input: .tokens(length: 6), batch: 3, loss: .crossEntropy())
        plan.dropoutEnabled = false
        let ids = [[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 102, 0, 0, 0], [101, 2307, 2154, 999, 102, 0]]
        let mask = ids.map { $0.map { $0 == 0 ? 0 : 1 } }
        let whole = try plan.step(tokens: TokenBatch(ids: ids, attentionMask: mask), targets: .classes([2, 0, 1]))
        let expected = store.trainable.map { $0.gradientArray! }
        store.zeroGradients()
        let first = try plan.step(tokens: TokenBatch(ids: Array(ids[..<2]), attentionMask: Array(mask[..<2])), targets: .classes([2, 0]), lossScale: 2.0 / 3)
        let second = try plan.step(tokens: TokenBatch(ids: [ids[2]], attentionMask: [mask[2]]), targets: .classes([1]), lossScale: 1.0 / 3)
        #expect(abs((2 * first + second) / 3 - whole) <= 1e-6 * abs(whole))
        // Relative to the largest gradient anywhere: some are zero in exact arithmetic (the key bias).
        let scale = expected.map { $0.map(abs).max()! }.max()!
        for (tensor, expected) in zip(store.trainable, expected) {
            #expect(maxAbsoluteDifference(tensor.gradientArray!, expected) <= 1e-5 * scale, "\(tensor.name)")
        }
    }

    @Test("fresh heads follow their library's initialisation, and a seed fixes them",
          arguments: ["resnet18", "vgg11", "mobilenet_v2", "tf_efficientnet_lite0", "minilm_l6_h384"])
    func freshHead(_ name: String) throws {
        let model = Registry.model(named: name)!
        let graph = model.build(40)
        let store = try ParameterStore(graph: graph, source: Self.weights)
        try store.initialiseHead(of: graph, model.headInitialisation, seed: 3)
        let classifier = graph.nodes[graph.classifier!]
        guard case .linear(let inFeatures, let outFeatures, _) = classifier.op else { Issue.record("no linear head"); return }
        let weight = store[classifier.name + ".weight"]!.valueArray, bias = store[classifier.name + ".bias"]!.valueArray
        let mean = weight.reduce(0.0) { $0 + Double($1) } / Double(weight.count)
        let deviation = (weight.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(weight.count)).squareRoot()
        // Standard deviations of each scheme: U(±b) has b/√3.
        let expected: Double
        switch model.headInitialisation {
        case .linearDefault: expected = 1 / Double(inFeatures).squareRoot() / 3.0.squareRoot()
        case .uniformFanOut: expected = 1 / Double(outFeatures).squareRoot() / 3.0.squareRoot()
        case .normal(let standardDeviation): expected = standardDeviation
        }
        #expect(abs(deviation - expected) <= 0.03 * expected, "\(name): std \(deviation), expected \(expected)")
        #expect(abs(mean) <= 4 * expected / Double(weight.count).squareRoot())
        if model.headInitialisation == .linearDefault {
            #expect(bias.allSatisfy { abs($0) <= 1 / Float(inFeatures).squareRoot() } && Set(bias).count > 1)
        } else {
            #expect(bias.allSatisfy { $0 == 0 })
        }
        let again = try ParameterStore(graph: graph, source: Self.weights)
        try again.initialiseHead(of: graph, model.headInitialisation, seed: 3)
        #expect(again[classifier.name + ".weight"]!.valueArray == weight)
        try again.initialiseHead(of: graph, model.headInitialisation, seed: 4)
        #expect(again[classifier.name + ".weight"]!.valueArray != weight)
    }

    @Test("frozen batch-norm statistics stay bit-identical; trained ones move and are counted")
    func statistics() throws {
        let graph = Registry.model(named: "mobilenet_v2")!.build(4)
        let frozen = Array(graph.freezeGroups.prefix(3))
        let store = try ParameterStore(graph: graph, source: Self.weights, frozen: Set(frozen))
        let before = Dictionary(uniqueKeysWithValues: store.tensors.filter(\.isBuffer).map { ($0.name, $0.valueArray) })
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: frozen, input: .image(channels: 3, size: 32), batch: 2, loss: .crossEntropy())
        _ = try plan.step(images: Self.images(2, size: 32), count: 2, targets: .classes([1, 3]))
        for tensor in store.tensors where tensor.isBuffer {
            if frozen.contains(tensor.group) {
                #expect(tensor.valueArray == before[tensor.name], "\(tensor.name) changed")
            } else {
                #expect(tensor.valueArray != before[tensor.name], "\(tensor.name) did not move")
            }
        }
        let counted = store.batchesTracked.filter { $0.value == 1 }.keys
        #expect(Set(counted) == Set(graph.parameters.filter { $0.spec.dtype == .i64 && !frozen.contains($0.group) }.map(\.name)))
        #expect(plan.freezePlan.frozenBatchNorms.allSatisfy { store.batchesTracked[$0 + ".num_batches_tracked"] == 0 })
    }

    @Test("the store streams the graph's state dict to a checkpoint writer, counters included")
    func checkpointStream() throws {
        let graph = Registry.model(named: "mobilenet_v3_small")!.build(5)
        let store = try ParameterStore(graph: graph, source: Self.weights, frozen: [.stem])
        store.setBatchesTracked("features.1.block.0.1.num_batches_tracked", 12)
        let folder = try TemporaryFolder()
        let writer = try SafetensorsWriter(path: folder.file("model.safetensors"), tensors: try store.stateDictionary(of: graph))
        try store.write(graph, to: writer)
        _ = try writer.commit()
        let reader = try Checkpoint.open(folder.file("model.safetensors"))
        #expect(reader.tensors.map(\.name) == graph.parameters.map(\.name))
        for tensor in store.tensors { #expect(try reader.tensor(named: tensor.name).scalars(as: Float.self) == tensor.valueArray) }
        #expect(try reader.tensor(named: "features.1.block.0.1.num_batches_tracked").scalars(as: Int64.self) == [12])
        #expect(try reader.tensor(named: "features.0.1.num_batches_tracked").scalars(as: Int64.self) == [0])
        let reloaded = try ParameterStore(graph: graph, source: CheckpointWeights(reader))
        #expect(reloaded.tensors.map(\.valueArray) == store.tensors.map(\.valueArray))
    }

    @Test("wrong inputs and inconsistent stores are refused with what was expected")
    func errors() throws {
        let graph = Registry.model(named: "resnet18")!.build(3)
        let store = try ParameterStore(graph: graph, source: Self.weights)
        #expect(throws: EngineError.self) {
            try TrainingPlan(graph: graph, parameters: store, frozen: [.stem], batch: 2, loss: .crossEntropy())
        }
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: [], input: .image(channels: 3, size: 32), batch: 2, loss: .crossEntropy())
        #expect(throws: EngineError.self) { try plan.step(images: Self.images(3, size: 32), count: 3, targets: .classes([0, 1, 2])) }
        #expect(throws: EngineError.self) { try plan.step(images: Self.images(2, size: 32), count: 2, targets: .classes([0, 3])) }
        #expect(throws: EngineError.self) { try plan.step(images: Self.images(2, size: 32), count: 2, targets: .values([0, 1, 0, 1, 0, 1])) }
    }
}
