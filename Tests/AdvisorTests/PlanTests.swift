import Architectures
import Foundation
import Testing
import TestSupport
@testable import Advisor
import Plans

@Suite struct PlanTests {
    static let examplePath = Fixtures.path("advisor", "plan-example.json")

    static func exampleJSON() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: examplePath))) as! [String: Any]
    }

    static func decode(_ object: [String: Any]) throws -> FineTunePlan {
        try FineTunePlan(json: JSONSerialization.data(withJSONObject: object))
    }

    @Test func theDocumentedExamplePlanDecodesAndValidates() throws {
        let plan = try FineTunePlan(path: Self.examplePath)
        #expect(plan.schema == "zoo.plan/1")
        #expect(plan.model.name == "resnet50" && plan.model.checkpoint.convention == .torchvision)
        #expect(plan.freeze.frozen == [.stem, .stage(1)] && plan.freeze.trainable.last == .head)
        #expect(plan.optimizer.kind == .sgdMomentum && plan.optimizer.headLearningRate == 0.01)
        #expect(plan.schedule.warmupSteps == 58 && plan.earlyStopping?.patience == 3)
        #expect(plan.profile.shift == .none && plan.budget.device == .cpu && plan.preferences.excludedFamilies == ["vgg"])
        #expect(plan.estimates.accuracy?.expected == 0.925 && plan.reasons.count == 3 && plan.alternatives.map(\.rank) == [1, 2])
    }

    @Test func theExamplesPreprocessingIsTheModelCards() throws {
        let plan = try FineTunePlan(path: Self.examplePath)
        let cards = try ModelCards.load(from: Fixtures.root.appendingPathComponent("zoo").path)
        let checkpoint = try #require(cards["resnet50"]?.card.checkpoints.first { $0.name == plan.model.checkpoint.name })
        #expect(plan.preprocessing == FineTunePlan.InputPreprocessing(try #require(checkpoint.preprocessing)))
        #expect(plan.model.checkpoint.file == checkpoint.file && plan.model.checkpoint.sha256Prefix == checkpoint.sha256Prefix)
    }

    @Test func aWrittenPlanReadsBackEqualAndNoTemporaryFileIsLeft() throws {
        var plan = try FineTunePlan(path: Self.examplePath)
        plan.model = .init(name: "bert_base_uncased", family: "bert", checkpoint: .init(name: "google", library: "transformers", file: nil, convention: .huggingface, sha256Prefix: nil))
        plan.freeze = .init(Registry.model(named: "bert_base_uncased")!.build(plan.head.classes), depth: 9)
        plan.profile.modality = .text
        plan.profile.kind = .sentencePair
        plan.head.kind = .sentencePair
        plan.optimizer = .init(kind: .adamW, headLearningRate: 2e-5, backboneLearningRate: 2e-5, layerDecay: 0.9, weightDecay: 0.01, momentum: nil, betas: [0.9, 0.999])
        plan.schedule = .init(kind: .step, warmupSteps: 0, steps: 500, epochs: 4.5, milestones: [300, 400])
        plan.seeds = [0, 1, 2]
        plan.cacheFeatures = true
        plan.warnings = ["Fine-tuning BERT on little data is unstable: three seeds."]
        plan.budget = try ComputeBudget(parsing: "4xgpu:a100:8h")
        let folder = try TemporaryFolder()
        try plan.write(to: folder.file("plan.json"))
        #expect(try folder.contents() == ["plan.json"])
        let read = try FineTunePlan(path: folder.file("plan.json"))
        #expect(read == plan)
        #expect(read.freeze.frozen == [.embeddings] + (0..<8).map(FreezeGroup.layer))
        let text = try String(contentsOfFile: folder.file("plan.json"), encoding: .utf8)
        #expect(text.contains("\"head_learning_rate\" : 2e-05") && text.contains("\"device\" : \"4xgpu:a100\""))
    }

    @Test func anotherSchemaVersionIsRefusedBeforeAnythingElse() throws {
        var object = try Self.exampleJSON()
        object["schema"] = "zoo.plan/2"
        object["head"] = "garbage that a newer schema might allow"
        #expect { try Self.decode(object) } throws: { error in
            let error = error as? ProfileError
            return error?.field == "schema" && error?.reason.hasPrefix("'zoo.plan/2' is not supported: this zoo reads zoo.plan/1") == true
        }
        object["schema"] = nil
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "schema" }
    }

    @Test func missingAndMistypedFieldsAreNamedByTheirJSONPath() throws {
        var object = try Self.exampleJSON()
        var optimizer = object["optimizer"] as! [String: Any]
        optimizer["head_learning_rate"] = nil
        object["optimizer"] = optimizer
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError) == ProfileError("optimizer.head_learning_rate", "missing") }

        object = try Self.exampleJSON()
        var profile = object["profile"] as! [String: Any]
        profile["shift"] = "sideways"
        object["profile"] = profile
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "profile.shift" }
    }

    @Test func freezeGroupsAreTypedOnReadingAndAMisspeltOneIsNamed() throws {
        var object = try Self.exampleJSON()
        object["freeze"] = ["frozen": ["stem", "stag1"], "trainable": ["stage2", "stage3", "stage4", "head"]]
        #expect { try Self.decode(object) } throws: {
            ($0 as? ProfileError) == ProfileError("freeze.frozen[1]", "'stag1' is not a freeze group (stem, stage<N>, embeddings, layer<N>, pooler or head)")
        }
        object["freeze"] = ["frozen": ["stem", "stage01"], "trainable": ["stage2", "stage3", "stage4", "head"]]
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "freeze.frozen[1]" }
        object = try Self.exampleJSON()
        var alternatives = try #require(object["alternatives"] as? [[String: Any]])
        alternatives[0]["frozen"] = ["pooler", "layer"]
        object["alternatives"] = alternatives
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "alternatives[0].frozen[1]" }
    }

    @Test func theCheckpointsConventionIsTypedOnReading() throws {
        var object = try Self.exampleJSON()
        var model = try #require(object["model"] as? [String: Any])
        var checkpoint = try #require(model["checkpoint"] as? [String: Any])
        checkpoint["convention"] = "torchvison"
        model["checkpoint"] = checkpoint
        object["model"] = model
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "model.checkpoint.convention" }
    }

    @Test func surgicalFreezingAndALinearProbePhaseAreExpressed() throws {
        var object = try Self.exampleJSON()
        object["freeze"] = ["frozen": ["stage2", "stage3", "stage4"], "trainable": ["stem", "stage1", "head"]]
        object["linear_probe"] = ["learning_rate": 0.01, "steps": 200, "epochs": 10.0]
        let plan = try Self.decode(object)
        #expect(plan.freeze.trainable == [.stem, .stage(1), .head] && plan.linearProbe == .init(learningRate: 0.01, steps: 200, epochs: 10))
        #expect(try FineTunePlan(json: plan.json()) == plan)
    }

    @Test func aPlanATrainerCouldNotFollowIsRefused() throws {
        var object = try Self.exampleJSON()
        for freeze in [["frozen": ["stage1", "stem"], "trainable": ["stage2", "stage3", "stage4", "head"]],
                       ["frozen": ["stem", "stage1"], "trainable": ["stage1", "stage2", "stage3", "stage4", "head"]],
                       ["frozen": ["stem"], "trainable": ["stage2", "stage3", "stage4", "head"]]] {
            object["freeze"] = freeze
            #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "freeze" }
        }
        object["freeze"] = ["frozen": ["stem", "stage1", "stage2", "stage3", "stage4", "head"], "trainable": [String]()]
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "freeze.trainable" }

        object = try Self.exampleJSON()
        object["linear_probe"] = ["learning_rate": 0.01, "steps": 0, "epochs": 0.0]
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "linear_probe" }

        object = try Self.exampleJSON()
        object["head"] = ["classes": 10, "dropout": 0, "kind": "single-label"]
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "head" }

        object = try Self.exampleJSON()
        object["model"] = ["name": "resnet500", "family": "resnet", "checkpoint": ["name": "x", "library": "torchvision", "convention": "torchvision"]]
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.reason.contains("did you mean resnet50") == true }

        object = try Self.exampleJSON()
        var optimizer = object["optimizer"] as! [String: Any]
        optimizer["momentum"] = NSNull()
        object["optimizer"] = optimizer
        #expect { try Self.decode(object) } throws: { ($0 as? ProfileError)?.field == "optimizer.momentum" }
    }
}
