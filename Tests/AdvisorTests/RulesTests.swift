import Architectures
import Testing
@testable import Advisor
import Plans

/// The decision rules, scenario by scenario, against shared/ADVISOR-EVIDENCE.md §3: the rules
/// table (freeze depth, CNN and encoder columns) and the hyperparameter table. Each test checks
/// the decision and that its reason cites the source the evidence file gives for it.
@Suite struct RulesTests {
    static let resnet = Registry.model(named: "resnet50")!.graph
    static let bert = Registry.model(named: "bert_base_uncased")!.build(2)

    static func image(examples: Int, classes: Int = 10, shift: DomainShift = .none, robustness: Bool = false) -> TaskProfile {
        TaskProfile(modality: .image, kind: .singleLabel, classes: classes, examples: examples, shift: shift, robustness: robustness)
    }

    static func text(examples: Int, classes: Int = 2, shift: DomainShift = .none, robustness: Bool = false) -> TaskProfile {
        TaskProfile(modality: .text, kind: .singleLabel, classes: classes, examples: examples, shift: shift, robustness: robustness)
    }

    static func names(_ groups: [FreezeGroup]) -> [String] { groups.map(\.description) }

    static func cites(_ reasons: [FineTunePlan.Reason], _ decision: String, _ source: String) -> Bool {
        reasons.contains { $0.decision == decision && $0.evidence.contains(source) }
    }

    // MARK: CNN column

    @Test func smallSimilarImagesFreezeTheWholeBackboneAndCacheItsFeatures() throws {
        let decision = FreezeDepthRule.decide(Self.image(examples: 150), graph: Self.resnet)
        #expect(Self.names(decision.trainable) == ["head"])
        #expect(Self.names(decision.frozen) == ["stem", "stage1", "stage2", "stage3", "stage4"])
        #expect(decision.cacheFeatures && !decision.linearProbeFirst)
        #expect(Self.cites(decision.reasons, "freeze", Evidence.cs231n))
        #expect(Self.cites(decision.reasons, "cache_features", Evidence.featureCache))
        let plan = decision.planFreeze(Self.resnet)
        #expect(plan.frozen == decision.frozen && plan.trainable == [.head])
    }

    @Test func smallImagesWithInputShiftTrainTheStemAndFirstStage() {
        let decision = FreezeDepthRule.decide(Self.image(examples: 200, shift: .input(.medical)), graph: Self.resnet)
        #expect(Self.names(decision.trainable) == ["stem", "stage1", "head"])
        #expect(Self.names(decision.frozen) == ["stage2", "stage3", "stage4"])
        #expect(!decision.cacheFeatures && decision.trainable.first == .stem, "nothing below the lowest trained group is frozen")
        let freeze = decision.planFreeze(Self.resnet)
        #expect(freeze.frozen == [.stage(2), .stage(3), .stage(4)] && freeze.trainable == [.stem, .stage(1), .head])
        #expect(Self.cites(decision.reasons, "freeze", Evidence.surgical))
    }

    @Test func labelShiftTrainsTheHeadAndLastStage() throws {
        let decision = FreezeDepthRule.decide(Self.image(examples: 5_000, shift: .label), graph: Self.resnet)
        #expect(Self.names(decision.trainable) == ["stage4", "head"])
        #expect(decision.frozen.count == 4 && decision.trainable.first == .stage(4))
        #expect(decision.planFreeze(Self.resnet).trainable == [.stage(4), .head])
        #expect(Self.cites(decision.reasons, "freeze", Evidence.surgical))
        let small = FreezeDepthRule.decide(Self.image(examples: 100, shift: .label), graph: Self.resnet)
        #expect(Self.names(small.trainable) == ["head"] && small.cacheFeatures)
    }

    @Test func mediumSimilarImagesFreezeStemAndFirstStageWithBackboneAtATenthOfTheHeadRate() {
        let profile = Self.image(examples: 10_000)
        let decision = FreezeDepthRule.decide(profile, graph: Self.resnet)
        #expect(Self.names(decision.frozen) == ["stem", "stage1"])
        #expect(Self.names(decision.trainable) == ["stage2", "stage3", "stage4", "head"])
        #expect(!decision.cacheFeatures)
        #expect(Self.cites(decision.reasons, "freeze", Evidence.yosinski))
        let training = HyperparameterRule.decide(profile, freeze: decision)
        #expect(training.optimizer.kind == .sgdMomentum && training.optimizer.momentum == 0.9)
        #expect(training.optimizer.backboneLearningRate == 0.1 * training.optimizer.headLearningRate)
        #expect(Self.cites(training.reasons, "learning_rate", Evidence.tllib))
        // BiT-HyperRule below 20k examples: 500 steps, ÷10 steps, no mixup.
        #expect(training.schedule.kind == .step && training.schedule.steps == 500 && training.schedule.warmupSteps > 0)
        #expect(training.regularisation.mixup == 0 && !training.regularisation.augmentation.isEmpty)
        #expect(Self.cites(training.reasons, "schedule", Evidence.bit))
    }

    @Test func anUnknownShiftIsTakenAsNoneAndTheReasonSaysSo() {
        let unknown = FreezeDepthRule.decide(Self.image(examples: 10_000, shift: .unknown), graph: Self.resnet)
        let none = FreezeDepthRule.decide(Self.image(examples: 10_000), graph: Self.resnet)
        #expect(unknown.frozen == none.frozen && unknown.trainable == none.trainable)
        #expect(unknown.reasons[0].text.contains("unknown") && !none.reasons[0].text.contains("unknown"))
    }

    @Test func largeOrVeryDifferentImagesFineTuneEverything() {
        let large = FreezeDepthRule.decide(Self.image(examples: 100_000), graph: Self.resnet)
        #expect(large.frozen.isEmpty && Self.names(large.trainable) == Self.names(Self.resnet.freezeGroups))
        #expect(Self.cites(large.reasons, "freeze", Evidence.cs231n))
        let shifted = FreezeDepthRule.decide(Self.image(examples: 10_000, shift: .input(.satellite)), graph: Self.resnet)
        #expect(shifted.frozen.isEmpty)
        // BiT-HyperRule from 20k examples: 10k steps and mixup 0.1.
        let training = HyperparameterRule.decide(Self.image(examples: 100_000), freeze: large)
        #expect(training.schedule.steps == 10_000 && training.regularisation.mixup == 0.1)
        // Features cached (a head-only plan, as a tight budget makes it) get no mixup: mixed inputs would change them every step.
        var cached = large
        cached.cacheFeatures = true
        let probeTraining = HyperparameterRule.decide(Self.image(examples: 100_000), freeze: cached)
        #expect(probeTraining.regularisation.mixup == 0 && probeTraining.regularisation.augmentation.isEmpty)
        #expect(probeTraining.reasons.contains { $0.decision == "regularisation" && $0.text.contains("cached") })
    }

    @Test func robustnessToShiftGivesLinearProbeThenFineTuning() {
        for (profile, graph) in [(Self.image(examples: 10_000, robustness: true), Self.resnet), (Self.text(examples: 10_000, robustness: true), Self.bert)] {
            let decision = FreezeDepthRule.decide(profile, graph: graph)
            #expect(decision.linearProbeFirst && decision.frozen.isEmpty)
            #expect(Self.cites(decision.reasons, "freeze", Evidence.lpft))
        }
    }

    // MARK: Encoder column

    @Test func smallSimilarTextFreezesEmbeddingsAndTheBottomTwoThirds() throws {
        let decision = FreezeDepthRule.decide(Self.text(examples: 40), graph: Self.bert)
        #expect(Self.names(decision.frozen) == ["embeddings"] + (0..<8).map { "layer\($0)" })
        #expect(Self.names(decision.trainable) == (8..<12).map { "layer\($0)" } + ["pooler", "head"])
        #expect(decision.cacheFeatures)
        #expect(Self.cites(decision.reasons, "freeze", Evidence.elsa))
        #expect(decision.planFreeze(Self.bert).frozen.count == 9)
    }

    @Test func smallShiftedTextFineTunesEverythingWithLayerwiseDecay() {
        let profile = Self.text(examples: 30, shift: .input(.other))
        let decision = FreezeDepthRule.decide(profile, graph: Self.bert)
        #expect(decision.frozen.isEmpty && decision.layerwiseDecay)
        let training = HyperparameterRule.decide(profile, freeze: decision)
        #expect(training.optimizer.layerDecay == 0.9)
    }

    @Test func labelShiftedTextTrainsTheHeadAndTopQuarter() {
        let decision = FreezeDepthRule.decide(Self.text(examples: 5_000, shift: .label), graph: Self.bert)
        #expect(Self.names(decision.trainable) == ["layer9", "layer10", "layer11", "pooler", "head"])
        #expect(Self.cites(decision.reasons, "freeze", Evidence.elsa))
    }

    @Test func smallDataBertUsesSeveralSeedsLowRateWarmupAndEarlyStopping() throws {
        let profile = Self.text(examples: 2_500)
        let decision = FreezeDepthRule.decide(profile, graph: Self.bert)
        #expect(decision.frozen.isEmpty)
        let training = HyperparameterRule.decide(profile, freeze: decision)
        #expect(training.seeds.count >= 3 && Set(training.seeds).count == training.seeds.count)
        #expect(Self.cites(training.reasons, "seeds", Evidence.mosbach))
        #expect((1e-5...3e-5).contains(training.optimizer.headLearningRate) && training.optimizer.backboneLearningRate == training.optimizer.headLearningRate)
        #expect(training.optimizer.kind == .adamW && training.optimizer.weightDecay == 0.01)
        #expect(training.schedule.epochs == 20 && training.schedule.warmupSteps == training.schedule.steps / 10)
        #expect(try #require(training.earlyStopping).patience >= 1)
        #expect(Self.cites(training.reasons, "early_stopping", Evidence.mosbach))
        #expect(Self.cites(training.reasons, "learning_rate", Evidence.mosbach))
    }

    @Test func largeDataBertUsesDevlinsSettings() {
        let profile = Self.text(examples: 200_000)
        let training = HyperparameterRule.decide(profile, freeze: FreezeDepthRule.decide(profile, graph: Self.bert))
        #expect([16, 32].contains(training.batchSize))
        #expect([5e-5, 3e-5, 2e-5].contains(training.optimizer.headLearningRate))
        #expect((2...4).contains(training.schedule.epochs) && training.seeds == [0] && training.earlyStopping == nil)
        #expect(training.schedule.steps == Int(training.schedule.epochs) * ((200_000 + training.batchSize - 1) / training.batchSize))
        #expect(Self.cites(training.reasons, "learning_rate", Evidence.devlin))
    }

    @Test func theDecisionsFillAPlanThatValidates() throws {
        var plan = try FineTunePlan(path: PlanTests.examplePath)
        let decision = FreezeDepthRule.decide(plan.profile, graph: Self.resnet)
        let training = HyperparameterRule.decide(plan.profile, freeze: decision)
        plan.freeze = decision.planFreeze(Self.resnet)
        (plan.optimizer, plan.schedule, plan.batchSize, plan.regularisation) = (training.optimizer, training.schedule, training.batchSize, training.regularisation)
        (plan.earlyStopping, plan.seeds, plan.cacheFeatures) = (training.earlyStopping, training.seeds, decision.cacheFeatures)
        plan.reasons = decision.reasons + training.reasons
        try plan.validate()
    }
}
