import Architectures
import Foundation
import Testing
import TestSupport
@testable import Advisor
import Plans

/// The advisor from request to plan, scenario by scenario, on the repository's model cards and a
/// fixed calibration (so that prices do not depend on this machine's load): ranking by published
/// accuracy and LogME, constraints, budgets too small for the rules' plan or for any plan, memory
/// limits, LP-FT and surgical plans, GPU pricing, and the accuracy range from published curves.
@Suite struct SelectionTests {
    static let cards = try! ModelCards.load(from: Fixtures.root.appendingPathComponent("zoo").path).mapValues(\.card)
    /// A CPU of about this class: 40 G multiply-accumulates/s dense, 3 G depthwise, 1 G elements/s,
    /// its backward kernels as fast as its forward ones.
    static let calibration = Calibration(
        key: .init(cpu: "test processor", threads: 2),
        throughput: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9),
        backward: Throughput(convolution: 40e9, depthwiseConvolution: 3e9, linear: 40e9, attention: 20e9, memoryBound: 1e9), probes: [], seconds: 0)

    static func request(_ modality: TaskProfile.Modality = .image, classes: Int = 37, examples: Int = 3700, shift: DomainShift = .none,
                        robustness: Bool = false, budget: String = "cpu:8h", memory: String? = nil, deployment: TaskProfile.Deployment = .init(),
                        preferences: Preferences = .init()) throws -> AdviceRequest {
        AdviceRequest(profile: TaskProfile(modality: modality, kind: .singleLabel, classes: classes, examples: examples, shift: shift,
                                           robustness: robustness, deployment: deployment),
                      budget: try ComputeBudget(parsing: budget, memory: memory), preferences: preferences)
    }

    static func advise(_ request: AdviceRequest, sample: SampleScores? = nil) throws -> Advice {
        try Advisor.advise(request, cards: cards, calibration: calibration, sample: sample)
    }

    /// The best published ImageNet top-1 of any checkpoint of `models`, read from the cards.
    static func bestTop1(_ models: [String]) -> (model: String, value: Double) {
        models.compactMap { model in
            cards[model]?.checkpoints.flatMap(\.accuracy).filter { $0.metric == "acc@1" }.map { (model, $0.value) }.max { $0.1 < $1.1 }
        }.max { $0.1 < $1.1 }!
    }

    @Test func aGenerousBudgetGetsTheModelWithTheBestPublishedAccuracyAndAPlanThatValidates() throws {
        let advice = try Self.advise(Self.request(budget: "cpu:100h"))
        let images = Registry.models.filter { $0.task == "image" }.map(\.name)
        #expect(advice.feasible && advice.plan.model.name == Self.bestTop1(images).model)
        #expect(advice.plan.model.checkpoint.name == "IMAGENET1K_V2", "fine-tuning takes the card's most accurate checkpoint")
        try advice.plan.validate()
        #expect((2...3).contains(advice.plan.alternatives.count) && advice.plan.alternatives.map(\.rank) == Array(1...advice.plan.alternatives.count))
        #expect(advice.plan.reasons.contains { $0.decision == "model" && $0.evidence.contains(Evidence.kornblith) })
        #expect(advice.plan.warnings.isEmpty)
        let chosen = advice.ranked[0]
        #expect(advice.plan.estimates.trainingSeconds.expected == chosen.trainingSeconds)
        #expect(abs(advice.plan.estimates.trainingSeconds.high / chosen.trainingSeconds - 1.5) < 1e-12)
        #expect(advice.plan.freeze == FreezeDepthRule.decide(advice.plan.profile, graph: chosen.graph).planFreeze(chosen.graph))
    }

    @Test func aModelTheBudgetCutsShortRanksBelowOnesThatRunTheirPlanInFull() throws {
        let generous = try Self.advise(Self.request(budget: "cpu:100h"))
        let best = generous.ranked[0]
        // A budget at 60% of the best's plan: it still fits, cut short, and ranks below every full run.
        let advice = try Self.advise(Self.request(budget: "cpu:\(Int(best.trainingSeconds * 0.6))s"))
        let cut = try #require(advice.ranked.first { $0.name == best.name })
        #expect(cut.compromised && cut.warnings.contains { $0.contains("of the 500 steps") })
        #expect(cut.trainingSeconds <= best.trainingSeconds * 0.6 + 1e-9)
        let firstCut = try #require(advice.ranked.firstIndex { $0.compromised })
        #expect(advice.ranked[..<firstCut].allSatisfy { !$0.compromised } && advice.ranked[firstCut...].allSatisfy(\.compromised))
        #expect(advice.plan.model.name != best.name)
    }

    @Test func aBudgetThatCannotMakeOnePassIsInfeasibleAndTheProposedBudgetIsEnough() throws {
        let advice = try Self.advise(Self.request(classes: 10, examples: 50_000, budget: "cpu:1m"))
        #expect(!advice.feasible && advice.ranked.isEmpty && !advice.excluded.isEmpty)
        let proposal = try #require(advice.plan.warnings.first { $0.hasPrefix("Feasible alternatives: a budget of at least ") })
        let budget = String(proposal.dropFirst("Feasible alternatives: a budget of at least ".count).prefix { $0 != "," })
        let retried = try Self.advise(Self.request(classes: 10, examples: 50_000, budget: budget))
        #expect(retried.feasible && retried.plan.model.name == advice.plan.model.name, "\(budget)")
        // The nearest plan is the cheapest one: a linear head on cached features.
        #expect(advice.plan.freeze.trainable == [.head] && advice.plan.cacheFeatures)
        #expect(advice.excluded.map(\.minimumSeconds) == advice.excluded.map(\.minimumSeconds).sorted())
    }

    @Test func aBudgetBelowOnePassOfTheRulesPlanFallsBackToACachedLinearHead() throws {
        let model = Preferences(model: "resnet50")
        let full = try Self.advise(Self.request(examples: 20_000, budget: "cpu:100h", preferences: model)).ranked[0]
        #expect(full.freeze.trainable.count > 1)
        // Between the cached head's one pass and one pass of the rules' fine-tune.
        let perPass = full.run.seconds(steps: full.run.stepsPerEpoch)
        let budget = Int(((full.minimumSeconds + perPass) / 2).rounded())
        try #require(Double(budget) < perPass)
        let advice = try Self.advise(Self.request(examples: 20_000, budget: "cpu:\(budget)s", preferences: model))
        #expect(advice.feasible && advice.plan.freeze.trainable == [.head] && advice.plan.cacheFeatures)
        #expect(advice.plan.warnings.contains { $0.contains("trains only a linear head on cached features") })
        #expect(advice.plan.estimates.trainingSeconds.expected <= Double(budget))
    }

    @Test func aMemoryLimitLowersTheBatchAndKeepsTheEpochs() throws {
        let model = Preferences(model: "resnet50")
        let free = try Self.advise(Self.request(budget: "cpu:100h", preferences: model))
        let advice = try Self.advise(Self.request(budget: "cpu:100h", memory: "1GiB", preferences: model))
        #expect(advice.plan.batchSize < free.plan.batchSize && advice.ranked[0].peakBytes <= 1 << 30)
        #expect(abs(advice.plan.schedule.epochs - free.plan.schedule.epochs) < 0.01 * free.plan.schedule.epochs)
        #expect(advice.plan.warnings.contains { $0.hasPrefix("Batch lowered from \(free.plan.batchSize) to \(advice.plan.batchSize)") })
        let impossible = try Self.advise(Self.request(budget: "cpu:100h", memory: "64MB", preferences: model))
        #expect(!impossible.feasible && impossible.plan.warnings.contains { $0.contains("at batch 1, over the 61.0 MiB memory limit") })
    }

    @Test func cheapestGoodEnoughTakesTheFastestWithinTwoPointsOfTheBest() throws {
        let advice = try Self.advise(Self.request(budget: "cpu:100h", preferences: .init(objective: .cheapestGoodEnough)))
        let best = try #require(advice.ranked.compactMap(\.prior).map(\.value).max())
        let good = advice.ranked.filter { ($0.prior?.value ?? 0) >= best - CandidateRanking.goodEnoughPoints }
        let chosen = advice.ranked[0]
        #expect(good.contains { $0.name == chosen.name })
        #expect(good.allSatisfy { $0.trainingSeconds >= chosen.trainingSeconds })
        #expect(chosen.prior!.value < best, "a dearer model is more accurate, else this test shows nothing")
    }

    @Test func deploymentLimitsExcludeWhatExceedsThem() throws {
        let limits = TaskProfile.Deployment(maxLatencyMs: 20, maxParameters: 5_000_000, cpuOnly: true)
        let advice = try Self.advise(Self.request(budget: "cpu:100h", deployment: limits))
        #expect(!advice.ranked.isEmpty)
        #expect(advice.ranked.allSatisfy { $0.parameters <= 5_000_000 && $0.latencyMs <= 20 })
        #expect(advice.excluded.contains { $0.exclusions.contains { $0.hasSuffix("over the 5000000 allowed") } })
        #expect(advice.excluded.contains { $0.exclusions.contains { $0.hasSuffix("ms allowed") } })
    }

    @Test func logMEOnTheSampleBlendsWithThePriorAndTiesCount() throws {
        let request = try Self.request(budget: "cpu:100h")
        let plain = try Self.advise(request)
        let (first, low) = (plain.ranked[0], plain.ranked[1])
        func score(_ value: Double) -> BootstrapScore { BootstrapScore(score: value, resampled: [value - 0.01, value + 0.01]) }
        // The runner-up by prior fits the sample clearly better than the first: LogME lifts it above the first.
        let sample = SampleScores(examples: 500, classes: 37, scores: [first.name: score(-2), low.name: score(-0.5)], featureWidths: [first.name: 2048, low.name: 1280])
        let advice = try Self.advise(request, sample: sample)
        let order = advice.ranked.map(\.name)
        #expect(order.firstIndex(of: low.name)! < order.firstIndex(of: first.name)!)
        #expect(advice.ranked.first { $0.name == low.name }?.transferability == score(-0.5))
        // Tied scores leave the prior's order.
        let tied = SampleScores(examples: 500, classes: 37, scores: [first.name: score(-1), low.name: score(-1.005)], featureWidths: [:])
        let tiedOrder = try Self.advise(request, sample: tied).ranked.map(\.name)
        #expect(tiedOrder.firstIndex(of: first.name)! < tiedOrder.firstIndex(of: low.name)!)
    }

    @Test func robustnessGivesLinearProbeThenFineTuneWithItsPhasePriced() throws {
        let model = Preferences(model: "resnet50")
        let advice = try Self.advise(Self.request(robustness: true, budget: "cpu:100h", preferences: model))
        let probe = try #require(advice.plan.linearProbe)
        #expect(probe.steps > 0 && advice.plan.freeze.frozen.isEmpty)
        #expect(advice.plan.reasons.contains { $0.decision == "linear_probe" && $0.evidence.contains(Evidence.lpft) })
        let run = advice.ranked[0].run
        #expect(run.probeSeconds > 0 && abs(run.totalSeconds - run.probeSeconds - run.secondsPerSeed) < 1e-9 * run.totalSeconds)
        try advice.plan.validate()
    }

    @Test func inputShiftOnLittleDataGivesASurgicalPlanPricedWithGradientsThroughTheFrozenStages() throws {
        let advice = try Self.advise(Self.request(classes: 10, examples: 150, shift: .input(.medical), budget: "cpu:100h", preferences: .init(model: "resnet50")))
        #expect(advice.plan.freeze.trainable == [.stem, .stage(1), .head] && advice.plan.freeze.frozen == [.stage(2), .stage(3), .stage(4)])
        try advice.plan.validate()
        let cost = advice.ranked[0].run.cost, graph = advice.ranked[0].graph
        let headOnly = CostModel.estimate(graph, frozen: graph.freezeGroups.filter { $0 != .head }, batch: cost.batch, optimizer: .sgdMomentum, device: .cpu(Self.calibration))
        let all = CostModel.estimate(graph, frozen: [], batch: cost.batch, optimizer: .sgdMomentum, device: .cpu(Self.calibration))
        // The gradient reaches the stem through the frozen stages: nearly a full backward pass, less their weight gradients.
        #expect(cost.backwardSeconds > 0.5 * all.backwardSeconds && cost.backwardSeconds < all.backwardSeconds)
        #expect(cost.backwardSeconds > 10 * headOnly.backwardSeconds && cost.prefixForwardSeconds == 0)
    }

    @Test func gpuBudgetsArePricedFromDatasheetsWithTheWiderUncertainty() throws {
        let advice = try Self.advise(Self.request(budget: "4xgpu:a100:1h"))
        #expect(advice.feasible && abs(advice.plan.estimates.trainingSeconds.high / advice.plan.estimates.trainingSeconds.expected - 2.5) < 1e-12)
        #expect(advice.plan.estimates.trainingSeconds.basis.contains("datasheet"))
        #expect(throws: ProfileError.self) { try Self.advise(Self.request(budget: "gpu:voodoo2:1h")) }
        // Latency is a GPU's unless the deployment is CPU-only: then this machine's CPU, slower.
        let onGPU = try #require(advice.ranked.first { $0.name == "resnet50" })
        let onCPU = try #require(Self.advise(Self.request(budget: "4xgpu:a100:1h", deployment: .init(cpuOnly: true))).ranked.first { $0.name == "resnet50" })
        #expect(onGPU.latencyDevice == .gpu(.a100, count: 1) && onCPU.latencyDevice == .cpu(Self.calibration))
        #expect(onCPU.latencyMs > 10 * onGPU.latencyMs)
    }

    @Test func aRequestedModelIsRecommendedAndOneOfTheWrongModalityIsRefused() throws {
        let advice = try Self.advise(Self.request(budget: "cpu:100h", preferences: .init(model: "mobilenet_v2")))
        #expect(advice.plan.model.name == "mobilenet_v2" && advice.plan.reasons[0].text.hasPrefix("mobilenet_v2, as asked for"))
        #expect { try Self.advise(Self.request(budget: "cpu:100h", preferences: .init(model: "bert_base_uncased"))) } throws: {
            ($0 as? ProfileError)?.field == "model"
        }
        let text = try Self.advise(Self.request(.text, classes: 2, examples: 800, budget: "cpu:100h", preferences: .init(excludedFamilies: ["bert"])))
        #expect(!text.ranked.isEmpty && (text.ranked + text.excluded).allSatisfy { $0.family != "bert" })
        #expect(text.plan.reasons.contains { $0.decision == "checkpoint" && $0.text.contains("SST-2 accuracy") })
    }

    @Test func theAccuracyRangeIsTheSpreadOfThePublishedCurves() throws {
        let profile = TaskProfile(modality: .image, kind: .singleLabel, classes: 100, examples: 1000, shift: .none, robustness: false)
        let fullFineTune = FreezeDecision(frozen: [], trainable: [.head], cacheFeatures: false, linearProbeFirst: false, layerwiseDecay: false, reasons: [])
        let resnet50 = TransferPrior(checkpoint: "IMAGENET1K_V1", metric: "acc@1", value: 76.13, dataset: "ImageNet-1K val", source: "")
        // 10 examples per class: Aircraft's 15% point (41.6) and RESISC45's 10-per-class point (74.0) bound the range.
        var trained = fullFineTune
        trained.trainable = [.stem, .stage(1), .head]
        let estimate = try #require(AccuracyEvidence.estimate(profile, prior: resnet50, freeze: trained).estimate)
        #expect(abs(estimate.low - 0.416) < 1e-12 && abs(estimate.high - 0.740) < 1e-12)
        #expect(estimate.expected > estimate.low && estimate.expected < estimate.high)
        // A linear probe is 2 points lower; a model 5 ImageNet points below moves by 5 × the Table A slopes.
        let probe = try #require(AccuracyEvidence.estimate(profile, prior: resnet50, freeze: fullFineTune).estimate)
        #expect(abs(probe.low - 0.396) < 1e-12)
        var weaker = resnet50
        weaker.value -= 5
        let lower = try #require(AccuracyEvidence.estimate(profile, prior: weaker, freeze: trained).estimate)
        #expect(abs(lower.low - (0.416 - 5 * AccuracyEvidence.slopes.max()! / 100)) < 1e-12)
        #expect(AccuracyEvidence.slopes.allSatisfy { $0 > 0.1 && $0 < 1.1 })
        // Outside the curves, or for text: no estimate, and the note says why.
        var many = profile
        many.examples = 100_000
        #expect(AccuracyEvidence.estimate(many, prior: resnet50, freeze: trained).estimate == nil)
        #expect(AccuracyEvidence.estimate(many, prior: resnet50, freeze: trained).note.contains("cover 4.5–80 examples per class"))
    }
}
