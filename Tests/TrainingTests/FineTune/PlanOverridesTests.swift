import Foundation
import Plans
import Testing
import TestSupport
import Training

/// Command-line overrides keep the plan's meaning and are all recorded.
struct PlanOverridesTests {
    static func plan() throws -> FineTunePlan { try FineTunePlan(path: Fixtures.path("training/finetune", "mobilenet_v2-lpft-cached.plan.json")) }

    @Test func aLearningRateScalesTheBackbonesWithTheHeads() throws {
        let plan = try Self.plan()
        let (changed, records) = try PlanOverrides(learningRate: plan.optimizer.headLearningRate / 2).apply(to: plan, examples: 320)
        #expect(changed.optimizer.headLearningRate == plan.optimizer.headLearningRate / 2)
        #expect(changed.optimizer.backboneLearningRate == plan.optimizer.backboneLearningRate / 2)
        #expect(records.map(\.field) == ["optimizer.head_learning_rate", "optimizer.backbone_learning_rate"])
        #expect(changed.schedule == plan.schedule)
    }

    @Test func epochsAndBatchSizeSetTheStepsAndScaleTheWarmUp() throws {
        let plan = try Self.plan()  // 10 steps with 2 of warm-up, batch 32
        let (changed, records) = try PlanOverrides(epochs: 3, batchSize: 16).apply(to: plan, examples: 100)
        #expect(changed.batchSize == 16 && changed.schedule.steps == 19 && changed.schedule.epochs == 3)
        #expect(changed.schedule.warmupSteps == 4)
        #expect(Set(records.map(\.field)) == ["batch_size", "schedule.epochs", "schedule.steps", "schedule.warmup_steps"])
        #expect(records.first { $0.field == "schedule.steps" } == .init(field: "schedule.steps", planned: "10", used: "19"))
        #expect(throws: ProfileError.self) { try PlanOverrides(epochs: 0).apply(to: plan, examples: 100) }
        #expect(throws: ProfileError.self) { try PlanOverrides(batchSize: 0).apply(to: plan, examples: 100) }
        #expect(try PlanOverrides().apply(to: plan, examples: 100).changes.isEmpty)
    }
}
