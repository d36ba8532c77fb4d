import Architectures
import CheckpointFormats
import Foundation
@testable import NameMapping
import Tensors
import Testing
import TestSupport

/// `zoo convert --to keras3 OUT.keras`: a whole Keras model whose layers compute the source's
/// function. That Keras loads these files and computes PyTorch's outputs is `make interop`'s
/// `keras-model` part; here: the archive, its weights (back to the source bit for bit), and its
/// layers, read against the graph they must compute.
@Suite struct KerasModelArchiveTests {
    /// The archive's members, its config's layers by name, and its weights as a reader.
    struct Archive {
        let members: [String]
        let layers: [String: [String: Any]]
        let weights: CheckpointReader

        init(_ path: String) throws {
            let archive = try ZipArchive(file: MappedFile(path: path))
            members = archive.entries.map(\.name)
            let config = try archive.contents(of: #require(archive.entry(named: "config.json")))
            let model = try #require(try JSONSerialization.jsonObject(with: Data(config.bytes)) as? [String: Any])
            let list = try #require((model["config"] as? [String: Any])?["layers"] as? [[String: Any]])
            layers = Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as! String, $0) })
            let h5 = try archive.contents(of: #require(archive.entry(named: "model.weights.h5")))
            let copy = Checkpoints.path("model.weights.h5")
            try Data(h5.bytes).write(to: URL(fileURLWithPath: copy))
            weights = try Checkpoint.open(copy)
        }

        func config(_ layer: String) -> [String: Any]? { layers[layer]?["config"] as? [String: Any] }

        func inbound(_ layer: String) -> [String] {
            let calls = layers[layer]?["inbound_nodes"] as? [[String: Any]] ?? []
            let args = calls.first?["args"] as? [Any] ?? []
            let tensors = (args.first as? [[String: Any]]) ?? args.compactMap { $0 as? [String: Any] }
            return tensors.compactMap { (($0["config"] as? [String: Any])?["keras_history"] as? [Any])?.first as? String }
        }
    }

    @Test("torchvision → .keras: symmetric padding, the source's ε, and the weights back bit for bit", arguments: ["mobilenet_v2", "resnet50", "mobilenet_v3_small", "mobilenetv1_100"])
    func computesTheSourceFunction(_ name: String) throws {
        let model = Registry.model(named: name)!
        let weights = Checkpoints.canonical(name, classes: 10)
        let source = try Checkpoints.write(weights, to: Checkpoints.path("\(name).safetensors"))
        let path = Checkpoints.path("\(name).keras")
        let report = try MappedConversion.run(try Checkpoint.open(source), to: path, options: .init(target: .keras3, format: .kerasModel))
        #expect(report.sameComputation && report.targetDifferences.isEmpty && report.files == [path])
        let outputs = try #require(report.outputs)
        #expect(outputs.maxAbsoluteDifference == 0, "\(outputs)")

        let archive = try Archive(path)
        #expect(archive.members == ["metadata.json", "config.json", "model.weights.h5"])
        // Every weighted layer of keras.applications' naming is in the config, and each node's
        // padding and ε are the graph's: PyTorch's zeros on every side, never TensorFlow's SAME split.
        let graph = model.build(10)
        let (kerasLayers, _) = try #require(KerasApplicationsNaming.layers(of: model, graph: graph))
        for layer in kerasLayers {
            let config = try #require(archive.config(layer.name), "\(name): no layer \(layer.name)")
            switch layer.node.op {
            case .conv2d(let conv):
                guard case .symmetric(let pad) = conv.padding else { Issue.record("\(layer.node.name) pads SAME"); continue }
                let explicit = pad > 0 && !(conv.stride == 1 && conv.kernel == 2 * pad + 1)
                #expect(config["padding"] as? String == (explicit || pad == 0 ? "valid" : "same"), "\(layer.name)")
                #expect(config["strides"] as? [Int] == [conv.stride, conv.stride], "\(layer.name)")
                let input = try #require(archive.inbound(layer.name).first)
                let padding = archive.config(input)?["padding"] as? [[Int]]
                #expect(explicit ? padding == [[pad, pad], [pad, pad]] : archive.layers[input]?["class_name"] as? String != "ZeroPadding2D", "\(layer.name) reads \(input)")
            case .batchNorm(_, let epsilon, _):
                #expect(config["epsilon"] as? Double == epsilon, "\(layer.name)")
            default: break
            }
        }
        // The weights, read back through the archive's layout, are the source's bit for bit.
        let layout = try #require(try KerasFunctionalModel.archive(of: model, graph: graph, differences: []))
        let mapped = MappedCheckpoint(reader: archive.weights, layout: layout.layout)
        #expect(archive.weights.tensors.count == layout.layout.tensors.count)
        for (parameter, tensor) in weights where !parameter.hasSuffix("num_batches_tracked") {
            #expect(PatternedTensors.identical(try mapped.canonical(parameter), tensor), "\(name): \(parameter)")
        }
    }

    @Test func keras3OnlyAndCNNsOnly() throws {
        let source = try Checkpoints.write(Checkpoints.canonical("mobilenet_v2", classes: 10), to: Checkpoints.path("m.safetensors"))
        #expect(throws: MappingError.wholeModelTarget(convention: "keras")) {
            try MappedConversion.run(try Checkpoint.open(source), to: Checkpoints.path("m.keras"), options: .init(target: .keras, format: .kerasModel))
        }
        let bert = try Checkpoints.write(Checkpoints.canonical("bert_tiny_uncased", classes: nil), to: Checkpoints.path("b.safetensors"))
        #expect(throws: MappingError.self) {
            try MappedConversion.run(try Checkpoint.open(bert), to: Checkpoints.path("b.keras"), options: .init(target: .keras3, format: .kerasModel))
        }
        // A padded max-pool is exact in Keras only on non-negative input.
        var builder = GraphBuilder()
        _ = builder.add("pool", .maxPool(kernel: 3, stride: 2, padding: 1))
        let graph = builder.graph(name: "pool", input: .image(channels: 3, size: 8))
        #expect(throws: MappingError.unsupportedKerasModel(node: "pool", reason: "a padded max-pool of input that can be negative")) {
            try KerasFunctionalModel(name: "pool", graph: graph, weighted: [])
        }
    }
}
