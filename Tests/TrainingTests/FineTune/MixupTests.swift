import Foundation
import Plans
import Testing
import TestSupport
import Training

/// Mixup's draws (a pure function of seed and step; λ distributed as Beta(α, α)), the mixed
/// images, and a fine-tune that mixes: cached features off, the mixing visible in the loss, and
/// a rerun repeating it exactly.
@Suite struct MixupTests {
    @Test func drawsAreAFunctionOfSeedAndStepWithAPermutationOfPartners() {
        let mixup = Mixup(alpha: 0.2)
        let draw = mixup.draw(seed: 7, step: 3, count: 32)
        #expect(draw == mixup.draw(seed: 7, step: 3, count: 32))
        #expect(draw != mixup.draw(seed: 7, step: 4, count: 32) && draw != mixup.draw(seed: 8, step: 3, count: 32))
        #expect(draw.partner.sorted() == Array(0..<32) && draw.partner != Array(0..<32))
        #expect((0...1).contains(draw.lambda))
    }

    /// Beta(α, α) has mean ½ and variance 1 / (4(2α + 1)); α = 1 is uniform, small α piles up at 0 and 1.
    @Test(arguments: [0.1, 0.4, 1.0, 2.0])
    func lambdaFollowsBeta(alpha: Double) {
        let mixup = Mixup(alpha: alpha), draws = 40_000
        let lambdas = (0..<draws).map { mixup.draw(seed: 1, step: $0, count: 1).lambda }
        let mean = lambdas.reduce(0, +) / Double(draws)
        let variance = lambdas.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws)
        let expected = 1 / (4 * (2 * alpha + 1))
        #expect(abs(mean - 0.5) < 0.01, "mean \(mean)")
        #expect(abs(variance - expected) < 0.03 * expected, "variance \(variance), Beta's \(expected)")
        if alpha == 1 {
            let quarter = Double(lambdas.filter { $0 < 0.25 }.count) / Double(draws)
            #expect(abs(quarter - 0.25) < 0.01, "P(λ < ¼) = \(quarter)")
        }
    }

    @Test func imagesAreMixedWithTheirPartners() {
        let images: [Float] = [1, 2, 10, 20, 100, 200]
        let draw = Mixup.Draw(lambda: 0.25, partner: [2, 0, 1])
        let expected: [Float] = [75.25, 150.5, 3.25, 6.5, 32.5, 65]  // 0.25·own + 0.75·partner's
        #expect(Mixup(alpha: 1).mix(images: images, count: 3, draw) == expected)
    }

    static func run(mixup: Double, in folder: TemporaryFolder, name: String) throws -> (FineTuneReport, [String]) {
        var plan = try FineTunePlan(path: FineTuneRunTests.plan)
        plan.regularisation.mixup = mixup
        plan.linearProbe = nil
        plan.earlyStopping = nil
        (plan.batchSize, plan.schedule.steps, plan.schedule.warmupSteps) = (8, 3, 0)
        (plan.preprocessing.resize, plan.preprocessing.crop) = (64, 64)
        let data = try TrainingData(
            path: RealAssets.fashionMNIST, options: DataOptions(), validationFraction: 0.2, seed: 0, limit: 40, evaluationLimit: 16)
        let job = try FineTuneJob(
            plan: plan, weights: RealAssets.mobileNetV2, train: data.train, validation: data.validation, cache: FeatureCache(folder: folder.file("cache")))
        var notes: [String] = []
        let report = try FineTuner(job: job) { event in
            if case .phase(let text) = event { notes.append(text) }
        }.run(output: folder.file(name), data: data.summary(classWeights: nil), overrides: [], test: nil, force: false)
        return (report, job.warnings + notes)
    }

    @Test("a fine-tune with mixup: no cached features, a different loss, repeated exactly",
          .enabled(if: RealAssets.exists(RealAssets.mobileNetV2) && RealAssets.exists(RealAssets.fashionMNIST),
                   "needs assets/torch/mobilenet_v2-b0353104.pth (make assets) and Debian's dataset-fashion-mnist"))
    func fineTuneWithMixup() throws {
        let folder = try TemporaryFolder()
        let (mixed, messages) = try Self.run(mixup: 0.2, in: folder, name: "mixed")
        #expect(messages.contains { $0.hasPrefix("cache_features is not used: mixup") }, "\(messages)")
        #expect(!messages.contains { $0.hasPrefix("features at") }, "no features were cached")
        let (again, _) = try Self.run(mixup: 0.2, in: folder, name: "again")
        #expect(again.seeds[0].losses.map(\.loss) == mixed.seeds[0].losses.map(\.loss))
        let (plain, _) = try Self.run(mixup: 0, in: folder, name: "plain")
        #expect(plain.seeds[0].losses[0].loss != mixed.seeds[0].losses[0].loss)
    }
}
