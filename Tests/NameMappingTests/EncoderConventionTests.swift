import Architectures
import CheckpointFormats
import Engine
import Foundation
@testable import NameMapping
import Tensors
import Testing
import TestSupport

/// The encoder conventions against files the real libraries wrote (formats/conventions/encoders,
/// formats/conventions/pytorch-transformer): TF1 BERT checkpoints (tf.compat.v1 Saver), KerasHub
/// `.weights.h5` files and torch.nn.TransformerEncoder state dicts, with the same name-keyed
/// weights; and the functions those files compute, run by the engine.
@Suite(.serialized)
struct EncoderConventionTests {
    /// Fixtures under formats/conventions/. roberta_base's torch state dict is not here: transformers'
    /// `RobertaEmbeddings` registers its LayerNorm before the position table, so the order differs
    /// from the graph's (`load_state_dict` matches by name); IdentifyTests checks its names and shapes.
    static let fixtures = [
        "encoders/tf1_bert_tiny_uncased", "encoders/tf1_bert_tiny_uncased_c3", "encoders/keras_hub_bert_tiny_uncased",
        "encoders/keras_hub_bert_tiny_uncased_c3", "encoders/keras_hub_minilm_l12_h384", "encoders/keras_hub_distilbert_base_uncased",
        "pytorch-transformer/bert_tiny_uncased", "pytorch-transformer/bert_tiny_uncased_c3", "pytorch-transformer/distilbert_base_uncased",
    ]

    /// Tensors above this size (embedding tables, DistilBERT's feed-forward kernels) have their
    /// names and shapes compared, not their bytes: every transform occurs in smaller tensors too.
    static let largest = 1 << 20

    @Test("the layout lists the file's tensors: names, order, shapes, bytes", arguments: fixtures)
    func layoutEqualsFile(_ fixture: String) throws {
        let record = try Fixtures.json("conventions", fixture + ".json") as! [String: Any]
        let model = Registry.model(named: record["model"] as! String)!
        let convention = Convention(rawValue: record["convention"] as! String)!
        let graph = model.build(record["classes"] as? Int)
        let layout = try #require(convention.layout(of: model, graph: graph))
        let entries = (record["tensors"] as! [[String: Any]])
        // Optimizer slots and step counters are training state, not the model's tensors.
        let stored = entries.filter { $0["role"] as! String == "weight" }
        #expect(entries.count > stored.count || convention != .tf1BERT, "\(fixture): the TF1 fixture carries Adam slots")
        #expect(layout.tensors.map(\.name) == stored.map { $0["name"] as! String }, "\(fixture): names or order differ")
        #expect(layout.tensors.map(\.shape) == stored.map { ($0["shape"] as! [NSNumber]).map(\.intValue) }, "\(fixture): shapes differ")
        let canonical = Self.canonicalWeights(model.name, graph)
        for entry in stored {
            let name = entry["name"] as! String
            guard let tensor = layout.tensor(named: name), tensor.shape.reduce(1, *) <= Self.largest else { continue }
            let problems = ExpectedTensor(entry).mismatches(try tensor.export.evaluate(canonical), name: name)
            #expect(problems.isEmpty, "\(fixture): \(problems.joined(separator: "; "))")
        }
    }

    @Test("zoo identifies each file from its names and shapes: model, convention, head", arguments: fixtures)
    func identified(_ fixture: String) throws {
        let record = try Fixtures.json("conventions", fixture + ".json") as! [String: Any]
        let result = Identifier.identify(try Listing(record["tensors"] as! [[String: Any]]))
        let best = try #require(result.best, "\(fixture): not identified")
        #expect(best.model == record["model"] as! String && best.convention.rawValue == record["convention"] as! String
                    && best.classes == record["classes"] as? Int,
                "\(fixture): read as \(best.model) in \(best.convention.rawValue), head \(String(describing: best.classes))")
        #expect(best.missing.isEmpty && best.misshaped.isEmpty && best.unexpected.isEmpty && !result.isAmbiguous,
                "\(fixture): \(best.missing.count) missing, \(best.misshaped.count) mis-shaped, \(best.unexpected.count) unexpected")
    }

    @Test("TF1 BERT computes transformers' tanh-GELU BERT; the erf graph does not")
    func tf1Function() throws {
        let (convention, erfGraph) = try Self.run(.tf1BERT, "bert_tiny_uncased", reference: "encoders/tf1_bert_tiny_uncased.npz")
        let canonical = try #require(erfGraph)
        #expect(convention.error <= 2e-5, "convention graph vs transformers gelu_new: \(convention.error)")
        // Google's tanh GELU moves these outputs by about 1e-4: the erf graph must miss by that much.
        #expect(canonical.error >= 5e-5, "erf graph vs gelu_new: \(canonical.error)")
        print("tf1-bert bert_tiny_uncased: convention vs reference \(convention.error), erf vs tanh graph \(canonical.gap)")
    }

    @Test("KerasHub computes what its backbones compute", arguments: [("bert_tiny_uncased", true), ("distilbert_base_uncased", false)])
    func kerasHubFunction(_ name: String, _ tanh: Bool) throws {
        let (convention, canonical) = try Self.run(.kerasHub, name, reference: "encoders/keras_hub_\(name).npz")
        #expect(convention.error <= 2e-5, "\(name): convention graph vs KerasHub: \(convention.error)")
        #expect((canonical != nil) == tanh, "\(name): KerasHub's GELU is \(tanh ? "tanh" : "erf")")
        if let canonical {
            #expect(canonical.error >= 5e-5, "\(name): erf graph vs KerasHub's gelu_approximate: \(canonical.error)")
            print("keras-hub \(name): convention vs reference \(convention.error), erf vs tanh graph \(canonical.gap)")
        }
    }

    @Test("torch.nn.TransformerEncoder with in_proj fused computes the registry's BERT")
    func pytorchTransformerFunction() throws {
        let (convention, canonical) = try Self.run(.pytorchTransformer, "bert_tiny_uncased", reference: "pytorch-transformer/bert_tiny_uncased.npz")
        #expect(canonical == nil, "the layer built with the model's ε and erf GELU is the registry's function")
        #expect(convention.error <= 2e-5, "zoo on the fused file vs torch.nn.TransformerEncoder: \(convention.error)")
        print("pytorch-transformer bert_tiny_uncased: zoo vs torch.nn.TransformerEncoder \(convention.error)")
    }

    /// Name-keyed weights of `graph`'s parameters at the model's gain (formats/engine).
    static func canonicalWeights(_ model: String, _ graph: ModelGraph) -> (String) throws -> Tensor {
        let expected = try! Fixtures.json("engine", "expected.json") as! [String: Any]
        let gain = ((expected["models"] as! [String: Any])[model] as! [String: Any])["c"] as! Double
        let shapes = Dictionary(uniqueKeysWithValues: graph.parameters.map { ($0.name, $0.spec.shape) })
        return { name in NameKeyedWeights.tensor(name: name, shape: Shape(unchecked: shapes[name]!), dtype: .f32, gain: gain)! }
    }

    struct Comparison {
        /// Max |zoo − reference| over the stored hidden-state and pooler channels.
        let error: Float
        /// Max |this graph − the convention graph| over the same channels.
        let gap: Float
    }

    /// The model written in `convention` (exports of the name-keyed weights), read back through
    /// the imports and run as the convention's graph and, when that differs, as the canonical
    /// graph; compared with the library's outputs in `reference` (under formats/conventions/).
    static func run(_ convention: Convention, _ name: String, reference: String) throws -> (convention: Comparison, canonical: Comparison?) {
        let model = Registry.model(named: name)!
        let layout = try #require(convention.layout(of: model, graph: model.graph))
        let canonical = canonicalWeights(name, model.graph)
        var file: [String: Tensor] = [:]
        for tensor in layout.tensors { file[tensor.name] = try tensor.export.evaluate(canonical) }
        let weights = ComputedWeights { parameter, _ in
            try layout.imports[parameter]!.evaluate { file[$0]! }.scalars(as: Float.self)
        }
        let reference = try NpzReader(path: Fixtures.path("conventions", reference))
        let tokens = NameKeyedWeights.tokens(pad: 0)
        let graphs = layout.differences.isEmpty ? [layout.graph] : [layout.conventionGraph, layout.graph]
        let outputs = try graphs.map { graph in
            try heads(graph, weights: weights, tokens: TokenBatch(ids: tokens.ids, attentionMask: tokens.mask))
        }
        let expected = try reference.tensors.map(\.name).filter { $0.hasSuffix("_head") }.sorted().flatMap {
            try reference.tensor(named: $0).scalars(as: Float.self)
        }
        let comparisons = outputs.map { Comparison(error: maxDifference($0, expected), gap: maxDifference($0, outputs[0])) }
        return (comparisons[0], comparisons.count > 1 ? comparisons[1] : nil)
    }

    /// The last hidden state's first 64 channels, then the pooler's (when the graph has one): the
    /// order of the fixture's `last_hidden_state_head`, `pooler_head`.
    static func heads(_ graph: ModelGraph, weights: WeightSource, tokens: TokenBatch) throws -> [Float] {
        let hidden = graph.nodes.first { $0.name == "first_token" }!.inputs[0]
        let hasPooler = graph.nodes.contains { $0.name == "pooler.activation" }
        let plan = try ForwardPlan(
            graph: graph, weights: weights, input: .tokens(length: tokens.length), batch: tokens.count,
            outputs: [graph.nodes[hidden].name] + (hasPooler ? ["pooler.activation"] : []))
        let results = try plan.run(tokens: tokens)
        let width = plan.outputShape(0)[1]
        let h = results[0]
        var values = stride(from: 0, to: h.count, by: width).flatMap { h[$0..<$0 + 64] }
        if hasPooler { values += stride(from: 0, to: results[1].count, by: width).flatMap { results[1][$0..<$0 + 64] } }
        return values
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "\(a.count) values against \(b.count)")
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}

/// A file's tensor list as a fixture records it (name, shape, dtype, role as zoo lists them):
/// all that identification reads, without the file.
final class Listing: CheckpointReader {
    let path = "listing"
    let format = CheckpointFormat.hdf5
    let tensors: [TensorInfo]
    let metadata: [String: String] = [:]
    let warnings: [String] = []
    let roles: [String: TensorRole]

    init(_ entries: [[String: Any]]) throws {
        tensors = try entries.map { entry in
            TensorInfo(name: entry["name"] as! String, dtype: DType(rawValue: entry["dtype"] as! String)!,
                       shape: try Shape((entry["shape"] as! [NSNumber]).map(\.intValue)))
        }
        roles = Dictionary(uniqueKeysWithValues: entries.map { ($0["name"] as! String, TensorRole(rawValue: $0["role"] as! String)!) })
    }

    func tensor(named name: String) throws -> Tensor { preconditionFailure("a listing holds no tensor data") }
    func role(of name: String) -> TensorRole { roles[name]! }
}
