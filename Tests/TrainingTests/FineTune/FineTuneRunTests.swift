import Architectures
import Foundation
import Plans
import Tensors
import Testing
import TestSupport
import Training

/// `FineTuner` end to end on the real MobileNetV2 and Fashion-MNIST: LP-FT with both phases on
/// cached features, a small stratified sample. What it writes is what it trained (the model
/// folder, evaluated by the inference engine, gives the report's validation metrics), it learns
/// (far above chance), a second run reuses the cached features and repeats the first bit for bit,
/// and the run folder is complete and never left half-written.
@Suite(.serialized) struct FineTuneRunTests {
    static let plan = Fixtures.path("training/finetune", "mobilenet_v2-lpft-cached.plan.json")

    static func job(cache: FeatureCache, limit: Int = 320) throws -> (FineTuneJob, TrainingData) {
        let data = try TrainingData(
            path: RealAssets.fashionMNIST, options: DataOptions(), validationFraction: 0.1, seed: 0, limit: limit, evaluationLimit: 100)
        let job = try FineTuneJob(plan: try FineTunePlan(path: plan), weights: RealAssets.mobileNetV2, train: data.train, validation: data.validation, cache: cache)
        return (job, data)
    }

    @Test("LP-FT on cached features: the written model is the trained one, it learns, and a rerun reuses the cache bit for bit",
          .enabled(if: RealAssets.exists(RealAssets.mobileNetV2) && RealAssets.exists(RealAssets.fashionMNIST),
                   "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func lpftOnCachedFeatures() throws {
        let folder = try TemporaryFolder()
        let cache = FeatureCache(folder: folder.file("cache"))
        let (job, data) = try Self.job(cache: cache)
        var notes: [String] = [], evaluations: [EvaluationRecord] = []
        let tuner = FineTuner(job: job) { event in
            if case .note(let text) = event { notes.append(text) }
            if case .evaluation(let record) = event { evaluations.append(record) }
        }
        let output = folder.file("run")
        let report = try tuner.run(output: output, data: data.summary(classWeights: nil), overrides: [], test: data.test, force: false)

        // The folder is complete, and nothing else was left beside it.
        for file in ["model/model.safetensors", "model/config.json", "report.json", "metrics.csv", "plan.json", "splits.json"] {
            #expect(RealAssets.exists(output + "/" + file), "\(file) missing")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["cache", "run"])
        // Both phases ran and evaluated; ten classes, chance is 0.1.
        let seed = try #require(report.seeds.first)
        #expect(evaluations.first?.phase == "linear_probe" && evaluations.contains { $0.phase == "fine_tune" })
        #expect(seed.losses.filter { $0.phase == "linear_probe" }.count == 10)
        let accuracy = try #require(seed.validation.accuracy)
        #expect(accuracy > 0.5, "validation accuracy \(accuracy)")
        #expect(seed.validation.examples == 100 && seed.validation.confusion?.joined().reduce(0, +) == 100)

        // The model folder, run by the inference engine on the validation examples, gives the same metrics.
        let evaluation = try ModelEvaluation(folder: output + "/model", examples: job.validation)
        #expect(evaluation.metrics.accuracy == seed.validation.accuracy)
        #expect(abs(evaluation.metrics.loss - seed.validation.loss) <= 1e-4 * max(1, seed.validation.loss))
        #expect(evaluation.metrics.confusion == seed.validation.confusion)

        // A second run reuses both phases' cached features and repeats the first exactly.
        let again = try FineTuner(job: try Self.job(cache: cache).0) { event in
            if case .note(let text) = event { notes.append(text) }
        }.run(output: output, data: data.summary(classWeights: nil), overrides: [], test: nil, force: true)
        #expect(notes.filter { $0.hasPrefix("reused cached features") }.count == 4, "\(notes)")
        #expect(again.seeds[0].losses.map(\.loss) == seed.losses.map(\.loss))
        #expect(again.seeds[0].validation == seed.validation)
        // Without --force, an existing run folder is refused before anything runs.
        #expect(throws: TrainingError.runFolderExists(output)) {
            try tuner.run(output: output, data: data.summary(classWeights: nil), overrides: [], test: nil, force: false)
        }
    }

    @Test("a damaged cache file is recomputed, and the features change with the examples",
          .enabled(if: RealAssets.exists(RealAssets.mobileNetV2) && RealAssets.exists(RealAssets.fashionMNIST),
                   "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func damagedCache() throws {
        let folder = try TemporaryFolder()
        let cache = FeatureCache(folder: folder.file("cache"))
        let (job, _) = try Self.job(cache: cache, limit: 40)
        let examples = Array(job.validation.examples.prefix(8))
        let key = try FeatureCache.key(checkpoint: job.checkpointDigest, model: "mobilenet_v2", cut: ["x"], encoding: "e", examples: examples)
        #expect(try key != FeatureCache.key(checkpoint: job.checkpointDigest, model: "mobilenet_v2", cut: ["x"], encoding: "e", examples: Array(examples.dropLast())))
        #expect(try key != FeatureCache.key(checkpoint: String(repeating: "0", count: 64), model: "mobilenet_v2", cut: ["x"], encoding: "e", examples: examples))
        #expect(try key != FeatureCache.key(checkpoint: job.checkpointDigest, model: "mobilenet_v2", cut: ["y"], encoding: "e", examples: examples))
        #expect(try key != FeatureCache.key(checkpoint: job.checkpointDigest, model: "mobilenet_v2", cut: ["x"], encoding: "f", examples: examples))
        let features = CachedFeatures(
            names: ["x"], sizes: [3], values: [Tensor((0..<24).map(Float.init), dtype: .f32, shape: try Shape([8, 3]))], attentionMasks: nil, length: 0, count: 8)
        try cache.store(features, key: key)
        let loaded = try #require(cache.load(key: key, names: ["x"], sizes: [3], count: 8, length: 0))
        #expect(loaded.batch([5, 0]).features == [[15, 16, 17, 0, 1, 2]] && loaded.values[0].storage.isMapped, "rows read from the mapped file")
        #expect(cache.load(key: key, names: ["x"], sizes: [4], count: 8, length: 0) == nil, "a shape the key does not promise is not used")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cache.path(for: key)))
        try bytes.prefix(bytes.count - 20).write(to: URL(fileURLWithPath: cache.path(for: key)))
        #expect(cache.load(key: key, names: ["x"], sizes: [3], count: 8, length: 0) == nil, "a truncated file is not used")
    }

    @Test("the memory the compiled plan holds agrees with the cost model's weights, gradients and optimizer state, and refuses a small budget",
          .enabled(if: RealAssets.exists(RealAssets.mobileNetV2) && RealAssets.exists(RealAssets.fashionMNIST),
                   "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func memoryNeed() throws {
        let folder = try TemporaryFolder()
        let (job, _) = try Self.job(cache: FeatureCache(folder: folder.file("cache")), limit: 40)
        let need = try MemoryNeed(job: job)
        let model = FreezePlan(job.graph, frozen: job.plan.freeze.frozen, input: job.encoder.input)
            .trainingBytes(batch: job.plan.batchSize, optimizer: job.plan.optimizer.kind)
        #expect(need.weightBytes == model.weights, "weights")
        #expect(need.gradientBytes == model.gradients, "gradients")
        #expect(need.optimizerBytes == model.optimizer, "optimizer")
        #expect(need.activationBytes > 0 && need.batchBytes == 3 * job.plan.batchSize * 3 * 224 * 224 * 4)
        #expect(throws: TrainingError.self) { try need.check(budget: need.totalBytes - 1, available: nil) }
        #expect(throws: TrainingError.self) { try need.check(budget: nil, available: need.totalBytes / 2) }
        try need.check(budget: need.totalBytes, available: need.totalBytes)
    }
}
