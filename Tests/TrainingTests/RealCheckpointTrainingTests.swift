import Architectures
import CheckpointFormats
import Engine
import Foundation
import NameMapping
import Preprocessing
import Testing
import TestSupport
import Training

/// The real MobileNetV2 and all-MiniLM-L6-v2 checkpoints trained for 20 steps on fixed real
/// batches, as PyTorch trained them (formats/training/real_checkpoints): weights read through the
/// checkpoint's naming convention (`MappedCheckpoint`), the fresh head the fixture stores, the same
/// examples, frozen groups, parameter groups, optimizer and schedule; every step's loss (and the
/// loss after the last step) within the fixture's tolerance of PyTorch's, relative. Skipped, saying
/// so, when the assets have not been downloaded.
struct RealCheckpointTrainingTests {
    static let folder = "training/real_checkpoints"

    @Test("torchvision MobileNetV2, top stage (features.14–18) + head, SGD with momentum and a cosine schedule on Fashion-MNIST: PyTorch's 20 losses",
          .enabled(if: RealAssets.exists(RealAssets.mobileNetV2), "needs assets/torch/mobilenet_v2-b0353104.pth (make assets)"))
    func mobileNetV2() throws {
        let arrays = try NpzReader(path: Fixtures.path(Self.folder, "mobilenet_v2.npz"))
        let record = try RealRun(Self.folder, "mobilenet_v2", arrays: arrays)
        let pixels = try arrays.tensor(named: "pixels").scalars(as: UInt8.self)
        let labels = try arrays.tensor(named: "labels").scalars(as: Int64.self).map(Int.init)
        let preprocessing = record.json["preprocessing"] as! [String: Any]
        let images = Self.preprocess(
            pixels, count: labels.count, upscale: preprocessing["upscale"] as! Int,
            mean: (preprocessing["mean"] as! [Double]).map(Float.init), std: (preprocessing["std"] as! [Double]).map(Float.init))
        let crc = images.withUnsafeBytes { CRC32.checksum($0) }
        #expect(crc == (preprocessing["float32_crc32"] as! NSNumber).uint32Value, "the preprocessed images are PyTorch's, bit for bit")

        let model = Registry.model(named: "mobilenet_v2")!
        let graph = model.build(10)
        let head = try RealRun.head(arrays, graph: graph)
        let weights = try RealRun.mapped(RealAssets.mobileNetV2, model: model.name)
        let frozen = try record.frozenGroups(of: graph)
        let store = try ParameterStore(graph: graph, source: RealRun.overlay(head, on: weights), frozen: Set(frozen))
        let size = preprocessing["size"] as! Int
        let plan = try TrainingPlan(
            graph: graph, parameters: store, frozen: frozen, input: .image(channels: 3, size: size), batch: 8, loss: .crossEntropy())
        plan.dropoutEnabled = false

        let settings = record.optimizer
        let groups = LayerwiseLearningRates(
            headLearningRate: settings["head_lr"] as! Double, backboneLearningRate: settings["backbone_lr"] as! Double,
            layerDecay: nil, weightDecay: settings["weight_decay"] as! Double).groups(for: store)
        record.expectSameGroups(groups)
        let optimizer = SGD(groups: groups, momentum: settings["momentum"] as! Double, dampening: settings["dampening"] as! Double,
                            nesterov: settings["nesterov"] as! Bool)
        let schedule = CosineSchedule(warmupSteps: record.warmupSteps, steps: record.steps)
        let perImage = 3 * size * size
        let losses = try record.train(groups: groups, optimizer: optimizer, schedule: schedule, batches: record.batches.map { batch in
            { () throws -> Double in
                let batchImages = batch.flatMap { images[$0 * perImage..<($0 + 1) * perImage] }
                return try plan.step(images: batchImages, count: batch.count, targets: .classes(batch.map { labels[$0] }))
            }
        }, store: store)
        record.expectLosses(losses)
    }

    @Test("all-MiniLM-L6-v2, top 2 layers + pooler + head, AdamW with a linear schedule on Rotten Tomatoes: PyTorch's 20 losses",
          .enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func miniLM() throws {
        let arrays = try NpzReader(path: Fixtures.path(Self.folder, "minilm.npz"))
        let record = try RealRun(Self.folder, "minilm", arrays: arrays)
        let ids = try arrays.tensor(named: "input_ids").scalars(as: Int64.self).map(Int.init)
        let mask = try arrays.tensor(named: "attention_mask").scalars(as: Int64.self).map(Int.init)
        let labels = try arrays.tensor(named: "labels").scalars(as: Int64.self).map(Int.init)
        let length = record.json["sequence_length"] as! Int
        let texts = (record.json["data"] as! [String: Any])["texts"] as! [String]
        let tokenizer = try WordPieceTokenizer(vocabularyFile: RealAssets.miniLM + "/vocab.txt")
        let encoded = tokenizer.encode(batch: texts, padding: .fixed(length))
        #expect(encoded.inputIds == ids && encoded.attentionMask == mask, "zoo's tokenizer gives the stored ids and masks")

        let model = Registry.model(named: "minilm_l6_h384")!
        let graph = model.build(2)
        let head = try RealRun.head(arrays, graph: graph)
        let weights = try RealRun.mapped(RealAssets.miniLM + "/model.safetensors", model: model.name)
        let frozen = try record.frozenGroups(of: graph)
        let store = try ParameterStore(graph: graph, source: RealRun.overlay(head, on: weights), frozen: Set(frozen))
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: frozen, input: .tokens(length: length), batch: 8, loss: .crossEntropy())
        plan.dropoutEnabled = false

        let settings = record.optimizer
        let groups = LayerwiseLearningRates(
            headLearningRate: settings["head_lr"] as! Double, backboneLearningRate: settings["backbone_lr"] as! Double,
            layerDecay: nil, weightDecay: settings["weight_decay"] as! Double).groups(for: store)
        record.expectSameGroups(groups, torchPrefix: "bert.")
        let betas = settings["betas"] as! [Double]
        let optimizer = AdamW(groups: groups, beta1: betas[0], beta2: betas[1], epsilon: settings["eps"] as! Double)
        let schedule = LinearSchedule(warmupSteps: record.warmupSteps, steps: record.steps)
        let losses = try record.train(groups: groups, optimizer: optimizer, schedule: schedule, batches: record.batches.map { batch in
            { () throws -> Double in
                let rows = { (flat: [Int]) in batch.map { Array(flat[$0 * length..<($0 + 1) * length]) } }
                return try plan.step(tokens: TokenBatch(ids: rows(ids), attentionMask: rows(mask)), targets: .classes(batch.map { labels[$0] }))
            }
        }, store: store)
        record.expectLosses(losses)
    }

    /// `[count, 28, 28]` grey pixels as `[count, 3, 28·upscale, 28·upscale]` floats: each pixel
    /// repeated `upscale` × `upscale` times in all three channels, then `(p / 255 − mean[c]) / std[c]`
    /// in float32, the order PyTorch computed it in.
    static func preprocess(_ pixels: [UInt8], count: Int, upscale: Int, mean: [Float], std: [Float]) -> [Float] {
        let side = 28, size = side * upscale
        var out = [Float](repeating: 0, count: count * 3 * size * size)
        for n in 0..<count {
            for c in 0..<3 {
                for y in 0..<size {
                    for x in 0..<size {
                        let p = Float(pixels[(n * side + y / upscale) * side + x / upscale])
                        out[((n * 3 + c) * size + y) * size + x] = (p / 255 - mean[c]) / std[c]
                    }
                }
            }
        }
        return out
    }
}

/// One model's record in formats/training/real_checkpoints and what the two tests share.
struct RealRun {
    let name: String
    let json: [String: Any]
    let optimizer: [String: Any]
    let steps: Int
    let warmupSteps: Int
    /// The examples of each batch; step t takes batch t mod 2.
    let batches: [[Int]]
    /// PyTorch's float32 losses: one per step, then the loss after the last step.
    let losses: [Double]
    /// Each step's learning rate of each group, `[steps][groups]`.
    let learningRates: [[Double]]
    let tolerance: Double

    /// `<name>.json`, with the numbers compared exactly (losses, learning rates) from `arrays`
    /// (`<name>.npz`): Foundation's JSON parser rounds some 17-digit decimals wrongly.
    init(_ folder: String, _ name: String, arrays: NpzReader) throws {
        self.name = name
        json = try Fixtures.json(folder, name + ".json") as! [String: Any]
        optimizer = json["optimizer"] as! [String: Any]
        let schedule = json["schedule"] as! [String: Any]
        steps = schedule["steps"] as! Int
        warmupSteps = schedule["warmup_steps"] as! Int
        batches = (json["data"] as! [String: Any])["batches"] as! [[Int]]
        losses = try arrays.tensor(named: "losses").scalars(as: Double.self)
        let rates = try arrays.tensor(named: "learning_rates")
        let width = rates.shape.dims.last ?? 0
        learningRates = rates.scalars(as: Double.self).chunked(width)
        tolerance = json["tolerance"] as! Double
    }

    /// The freeze groups the fixture froze (named as `FreezeGroup.description`), each of `graph`.
    func frozenGroups(of graph: ModelGraph) throws -> [FreezeGroup] {
        let names = (json["freeze_groups"] as! [String: Any])["frozen"] as! [String]
        let groups = Set(graph.nodes.map(\.group))
        return try names.map { name in try #require(groups.first { $0.description == name }, "\(self.name): no freeze group \(name)") }
    }

    /// The checkpoint at `path` read through its convention as `model`'s canonical tensors; the
    /// reading must compute the registry's function (no convention differences).
    static func mapped(_ path: String, model: String) throws -> MappedCheckpoint {
        let reader = try Checkpoint.open(path)
        let reading = try Identifier.bestReading(reader, model: model).reading
        #expect(reading.layout.differences.isEmpty, "\(path) reads as \(model) with differences \(reading.layout.differences)")
        return MappedCheckpoint(reader: reader, layout: reading.layout, prefix: reading.prefix)
    }

    /// The fresh head's initial weight and bias as the fixture stores them, under the graph's names.
    static func head(_ arrays: NpzReader, graph: ModelGraph) throws -> [String: [Float]] {
        let classifier = graph.nodes[try #require(graph.classifier)].name
        return [classifier + ".weight": try arrays.tensor(named: "head_weight").scalars(as: Float.self),
                classifier + ".bias": try arrays.tensor(named: "head_bias").scalars(as: Float.self)]
    }

    /// `head`'s tensors, everything else from `weights`.
    static func overlay(_ head: [String: [Float]], on weights: WeightSource) -> WeightSource {
        ComputedWeights { name, shape in
            guard let values = head[name] else { return try weights.values(of: name, shape: shape) }
            guard values.count == shape.reduce(1, *) else {
                throw EngineError.wrongShape(name: name, expected: shape, found: [values.count], source: "the fixture's head")
            }
            return values
        }
    }

    /// zoo's groups are torch's: names, tensors (torch's names less `torchPrefix`), learning rates
    /// and weight decays.
    func expectSameGroups(_ groups: [ParameterGroup], torchPrefix: String = "") {
        let theirs = optimizer["groups"] as! [[String: Any]]
        let names = theirs.map { group in
            "\(group["name"] as! String): " + (group["tensors"] as! [String]).map { $0.hasPrefix(torchPrefix) ? String($0.dropFirst(torchPrefix.count)) : $0 }.joined(separator: " ")
        }
        #expect(groups.map { "\($0.name): " + $0.parameters.map(\.name).joined(separator: " ") } == names, "\(name): parameter groups and their tensors")
        #expect(groups.map(\.learningRate) == theirs.map { $0["lr"] as! Double }, "\(name): the groups' learning rates")
        #expect(groups.map(\.weightDecay) == theirs.map { $0["weight_decay"] as! Double }, "\(name): the groups' weight decays")
    }

    /// The training loop PyTorch ran: per step, zero the gradients, one step on batch t mod 2, the
    /// optimizer at the schedule's factor; then one more step's loss on batch `steps` mod 2 (its
    /// gradient unused). Checks each step's learning rates against torch's; returns the losses.
    func train(groups: [ParameterGroup], optimizer: any Optimizer, schedule: any LearningRateSchedule,
               batches: [() throws -> Double], store: ParameterStore) throws -> [Double] {
        let rates = learningRates
        var losses: [Double] = []
        let start = Date()
        for t in 0..<steps {
            store.zeroGradients()
            losses.append(try batches[t % batches.count]())
            let factor = schedule.factor(at: t)
            #expect(groups.map { $0.scheduledLearningRate(factor: factor) } == rates[t], "\(name): learning rates at step \(t)")
            optimizer.step(learningRateFactor: factor)
        }
        store.zeroGradients()
        losses.append(try batches[steps % batches.count]())
        print("\(name): \(steps) steps in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        return losses
    }

    /// Every loss within `tolerance` of PyTorch's, relative; prints the worst.
    func expectLosses(_ mine: [Double]) {
        #expect(mine.count == losses.count, "\(name): \(mine.count) losses, PyTorch's \(losses.count)")
        let errors = zip(mine, losses).map { abs($0 - $1) / abs($1) }
        for (t, error) in errors.enumerated() {
            #expect(error <= tolerance, "\(name): loss \(t) is \(mine[t]), PyTorch's \(losses[t]): relative error \(error) > \(tolerance)")
        }
        let worst = errors.indices.max { errors[$0] < errors[$1] } ?? 0
        print("\(name): worst relative loss error \(errors.isEmpty ? 0 : errors[worst]) at loss \(worst) (tolerance \(tolerance)); "
              + "losses \(mine.first ?? 0) → \(mine.last ?? 0)")
    }
}

extension Array {
    /// Consecutive runs of `width` elements.
    fileprivate func chunked(_ width: Int) -> [[Element]] {
        guard width > 0 else { return [] }
        return stride(from: 0, to: count, by: width).map { Array(self[$0..<Swift.min($0 + width, count)]) }
    }
}
