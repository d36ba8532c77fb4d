import Architectures
import CheckpointFormats
import Foundation
@testable import NameMapping
import Tensors
import Testing
import TestSupport

/// `zoo convert --to` end to end on files: every convention pair for a model of each family,
/// back to the canonical names bit for bit, outputs checked through the engine on the way.
@Suite struct ConvertTests {
    static let models = ["mobilenet_v3_small", "resnet18", "mobilenetv1_100", "bert_tiny_uncased"]

    @Test("each source convention to each target, and back, bit-exact", arguments: models)
    func everyPair(_ name: String) throws {
        let model = Registry.model(named: name)!
        let classes = model.publishedClasses ?? 3
        let weights = Checkpoints.canonical(name, classes: classes)
        let original = try Checkpoints.write(weights, to: Checkpoints.path("\(name).safetensors"))
        let canonicalConvention = try #require(Convention.supporting(model).first, "\(name): no convention")
        // One file per convention, written by zoo from the canonical file.
        var files: [Convention: String] = [:]
        for convention in Convention.supporting(model) {
            let path = Checkpoints.path("\(name)-\(convention)\(convention.defaultFormat.extensions[0])")
            let report = try MappedConversion.run(try Checkpoint.open(original), to: path, options: .init(target: convention, format: convention.defaultFormat))
            #expect(report.source.convention == canonicalConvention && report.tensorsWritten == report.target.tensors.count)
            files[convention] = path
        }
        for (source, sourcePath) in files {
            for target in files.keys {
                let path = Checkpoints.path("\(name)-\(source)-to-\(target)\(target.defaultFormat.extensions[0])")
                let report = try MappedConversion.run(
                    try Checkpoint.open(sourcePath), to: path,
                    options: .init(target: target, format: target.defaultFormat, sourceModel: name, sourceConvention: source))
                let outputs = try #require(report.outputs)
                #expect(!report.sameComputation || outputs.isEquivalent, "\(name) \(source)→\(target): \(outputs)")
                #expect(report.sameComputation == (report.source.layout.differences == report.targetDifferences), "\(name) \(source)→\(target)")
                // And back to the canonical names: the very bytes of the original.
                let back = Checkpoints.path("\(name)-back.safetensors")
                _ = try MappedConversion.run(try Checkpoint.open(path), to: back, options: .init(target: canonicalConvention, format: .safetensors, checkOutputs: false, sourceModel: name, sourceConvention: target))
                let reader = try Checkpoint.open(back)
                for (parameter, tensor) in weights {
                    #expect(PatternedTensors.identical(try reader.tensor(named: parameter), tensor), "\(name) \(source)→\(target)→back: \(parameter)")
                }
            }
        }
    }

    @Test func castingDroppingTheHeadAndShardingHuggingFaceFolders() throws {
        let weights = Checkpoints.canonical("bert_tiny_uncased", classes: 4)
        let source = try Checkpoints.write(weights, to: Checkpoints.path("bert.safetensors"))
        let folder = Checkpoints.path("bert-hf")
        let report = try MappedConversion.run(
            try Checkpoint.open(source), to: folder, options: .init(target: .huggingfacePrefixed, dtype: .f16, maxShardBytes: 2_000_000))
        #expect(report.files.filter { $0.hasSuffix(".safetensors") }.count > 1)
        #expect(report.files.contains(folder + "/model.safetensors.index.json") && report.files.contains(folder + "/config.json"))
        let outputs = try #require(report.outputs)
        #expect(outputs.maxAbsoluteDifference < 1e-2 * max(1, outputs.scale), "f16: \(outputs)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/config.json"))) as! [String: Any]
        #expect(config["num_labels"] as? Int == 4 && config["hidden_size"] as? Int == 128 && config["num_hidden_layers"] as? Int == 2)

        let headless = Checkpoints.path("bert-headless.safetensors")
        let dropped = try MappedConversion.run(try Checkpoint.open(source), to: headless, options: .init(target: .huggingface, format: .safetensors, head: .drop))
        #expect(dropped.target.graph.classifier == nil)
        #expect(try Checkpoint.open(headless).tensors.count == weights.count - 2)
    }

    @Test func optimizerStateIsNeverDroppedSilently() throws {
        let weights = Checkpoints.canonical("resnet18", classes: 10)
        let source = try Checkpoints.write(weights, to: Checkpoints.path("trained.safetensors"), extras: [("optimizer.state.0.momentum_buffer", weights[0].1)])
        let output = Checkpoints.path("out.h5")
        #expect(throws: MappingError.self) { try MappedConversion.run(try Checkpoint.open(source), to: output, options: .init(target: .timm)) }
        #expect(!FileManager.default.fileExists(atPath: output))
        let report = try MappedConversion.run(try Checkpoint.open(source), to: output, options: .init(target: .timm, format: .safetensors, dropOptimizer: true))
        #expect(report.dropped.map(\.kind) == [.optimizer])
    }

    @Test func epsilonFoldingKeepsTheFunction() throws {
        // torchvision's MobileNetV3 uses ε 1e-3; written where ε is 1e-5 (timm), the scales are refolded.
        let model = Registry.model(named: "mobilenet_v3_small")!
        guard let target = Convention.supporting(model).first(where: { convention in
            let layout = convention.layout(of: model, graph: model.graph)!
            return layout.differences.count == 1 && layout.differences.allSatisfy { if case .batchNormEpsilon = $0 { return true }; return false }
        }) else {
            Issue.record("no convention differs from torchvision's MobileNetV3 by ε alone")
            return
        }
        let source = try Checkpoints.write(Checkpoints.canonical("mobilenet_v3_small", classes: 1000), to: Checkpoints.path("v3.safetensors"))
        let plain = try MappedConversion.run(try Checkpoint.open(source), to: Checkpoints.path("plain"), options: .init(target: target, format: .safetensors))
        let folded = try MappedConversion.run(try Checkpoint.open(source), to: Checkpoints.path("folded"), options: .init(target: target, format: .safetensors, foldEpsilon: true))
        #expect(plain.outputs!.isEquivalent == false, "ε alone should change the outputs: \(plain.outputs!)")
        #expect(folded.outputs!.isEquivalent, "folded: \(folded.outputs!)")
        #expect(folded.foldedScales > 0)
    }
}
