import Architectures
import CheckpointFormats
import Foundation
@testable import NameMapping
import Tensors
import Testing
import TestSupport

@Suite struct IdentifyTests {
    @Test("the four real checkpoints are recognised without being told", arguments: [
        (RealAssets.mobileNetV2, "mobilenet_v2", Convention.torchvision, "", 1000 as Int?),
        (RealAssets.imgsimResNet50, "resnet50", .torchvision, "module.pre.", 768),
        (RealAssets.efficientNetLite0, "tf_efficientnet_lite0", .lukemelas, "", 1000),
        (RealAssets.miniLM + "/model.safetensors", "minilm_l6_h384", .huggingface, "", nil),
    ])
    func realFiles(_ path: String, _ model: String, _ convention: Convention, _ prefix: String, _ classes: Int?) throws {
        guard RealAssets.exists(path) else {
            print("skipped: \(path) is absent (make assets fetches it)")
            return
        }
        let result = Identifier.identify(try Checkpoint.open(path))
        let best = try #require(result.best)
        #expect(best.model == model && best.convention == convention && best.prefix == prefix && best.classes == classes)
        #expect(best.missing.isEmpty && best.misshaped.isEmpty && best.unexpected.isEmpty)
        #expect(result.confidence == 1 && !result.isAmbiguous)
        #expect(result.runnerUp.map { $0.score < 0.9 } ?? true, "runner-up \(String(describing: result.runnerUp?.model)) too close")
    }

    @Test("every registry model in every convention that names it is identified from its names and shapes alone, with its head or without")
    func everyLayoutIsIdentifiedAsItself() throws {
        var wrong: [String] = [], count = 0
        for model in Registry.models {
            for classes in [model.publishedClasses ?? 2, nil] {
                for layout in Convention.allCases.compactMap({ $0.layout(of: model, graph: model.build(classes)) }) {
                    count += 1
                    let result = Identifier.identify(ListingReader(layout.tensors.map { TensorInfo(name: $0.name, dtype: $0.dtype, shape: try! Shape($0.shape)) }))
                    // The same model, through a layout naming the same tensors (timm's ResNet is torchvision's; `bert.` read as a wrapper).
                    let right = result.best.map { best in
                        best.model == model.name && best.isComplete && best.unexpected.isEmpty && best.classes == classes
                            && best.layout.tensors.map { best.prefix + $0.name } == layout.tensors.map(\.name)
                    } ?? false
                    if !right {
                        wrong.append("\(model.name) in \(layout.convention) (\(classes.map { "\($0) classes" } ?? "headless")) read as "
                            + (result.best.map { "\($0.model) in \($0.convention), \($0.classes.map { "\($0) classes" } ?? "headless")" } ?? "nothing"))
                    }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(count): \(wrong.joined(separator: "; "))")
    }

    @Test func wrappersHeadsAndExtrasAreReported() throws {
        let weights = Checkpoints.canonical("mobilenet_v3_small", classes: 10)
        let extras: [(String, Tensor)] = [
            ("global_step", Tensor([Int64(1200)], dtype: .i64, shape: [1])),
            ("optimizer.state.0.exp_avg", weights[0].1),
            ("model_ema.features.0.0.weight", weights[0].1),
        ]
        let path = try Checkpoints.write(weights, to: Checkpoints.path("wrapped.safetensors"), rename: { "module." + $0 }, extras: extras)
        let result = Identifier.identify(try Checkpoint.open(path))
        let best = try #require(result.best)
        #expect(best.model == "mobilenet_v3_small" && best.convention == .torchvision && best.prefix == "module." && best.classes == 10)
        #expect(best.matched.count == weights.count && best.unexpected.isEmpty)
        #expect(result.wrappers.contains { $0.contains("DataParallel") })
        #expect(Set(result.extras.map(\.kind)) == [.bookkeeping, .optimizer, .ema])
        #expect(result.runnerUp?.model != "mobilenet_v3_small" || result.runnerUp?.convention != .torchvision)
    }

    @Test func headlessAndDamagedFilesAreTold() throws {
        let weights = Checkpoints.canonical("resnet18", classes: nil)
        let headless = Identifier.identify(try Checkpoint.open(try Checkpoints.write(weights, to: Checkpoints.path("headless.safetensors"))))
        #expect(headless.best?.model == "resnet18" && headless.best?.classes == nil && headless.best?.missing.isEmpty == true)

        // One tensor dropped, one reshaped, one stray: each is named.
        var damaged = Array(weights.dropFirst())
        damaged[3] = (damaged[3].0, Tensor([Float](repeating: 0, count: 5), dtype: .f32, shape: [5]))
        damaged.append(("stray.weight", Tensor([Float(1)], dtype: .f32, shape: [1])))
        let result = Identifier.identify(try Checkpoint.open(try Checkpoints.write(damaged, to: Checkpoints.path("damaged.safetensors"))))
        let best = try #require(result.best)
        #expect(best.model == "resnet18")
        #expect(best.missing == [weights[0].0])
        #expect(best.misshaped.map(\.name) == [weights[4].0])
        #expect(best.unexpected == ["stray.weight"])
    }

    @Test("torch.nn.TransformerEncoder state dicts are recognised by the names and shapes torch gives them", arguments: [
        ("bert_tiny_uncased", nil as Int?), ("bert_tiny_uncased_c3", 3), ("distilbert_base_uncased", nil), ("roberta_base", nil),
    ])
    func pytorchTransformerStateDicts(_ fixture: String, _ classes: Int?) throws {
        let record = try Fixtures.json("conventions/pytorch-transformer", fixture + ".json") as! [String: Any]
        let tensors = (record["tensors"] as! [[String: Any]]).map { entry in
            let (name, shape) = (entry["name"] as! String, (entry["shape"] as! [NSNumber]).map(\.intValue))
            return (name, PatternedTensors.tensor(name, shape: shape, dtype: .f32))
        }
        let result = Identifier.identify(try Checkpoint.open(try Checkpoints.write(tensors, to: Checkpoints.path("\(fixture).safetensors"))))
        let best = try #require(result.best)
        #expect(best.model == record["model"] as? String && best.convention == .pytorchTransformer && best.prefix == "" && best.classes == classes)
        #expect(best.matched.count == tensors.count && best.missing.isEmpty && best.misshaped.isEmpty && best.unexpected.isEmpty)
        // RoBERTa differs from BERT base only in its three embedding tables' shapes: close scores, but not ambiguous.
        #expect(result.confidence == 1 && !result.isAmbiguous)
    }

    @Test func casedAndUncasedEncodersAreToldApartByShape() throws {
        let uncased = Registry.model(named: "bert_tiny_uncased")!.build(nil).parameters
        let path = try Checkpoints.write(
            uncased.map { ($0.name, PatternedTensors.tensor($0.name, shape: $0.spec.shape, dtype: $0.spec.dtype)) },
            to: Checkpoints.path("bert.safetensors"), rename: { "bert." + $0 })
        let result = Identifier.identify(try Checkpoint.open(path))
        #expect(result.best?.model == "bert_tiny_uncased")
        #expect(result.best?.convention == .huggingfacePrefixed || result.best?.prefix == "bert.")
        #expect(result.runnerUp?.model == "bert_tiny_cased")
    }

    @Test func everyCardCheckpointsConventionNamesItsModel() throws {
        for (name, entry) in try ModelCards.standard() {
            let model = try #require(Registry.model(named: name))
            for checkpoint in entry.card.checkpoints {
                #expect(checkpoint.convention.layout(of: model, graph: model.graph) != nil, "\(name) \(checkpoint.name): \(checkpoint.convention) cannot name it")
            }
        }
    }
}

/// A checkpoint's tensor list without data: what identification reads.
private final class ListingReader: CheckpointReader, @unchecked Sendable {
    let path = "listing"
    let format = CheckpointFormat.safetensors
    let tensors: [TensorInfo]
    let metadata: [String: String] = [:]
    let warnings: [String] = []

    init(_ tensors: [TensorInfo]) { self.tensors = tensors }

    func tensor(named name: String) throws -> Tensor { throw CheckpointError.noSuchTensor(file: path, tensor: name) }
}
