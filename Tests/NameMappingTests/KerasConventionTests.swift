import Architectures
import CheckpointFormats
import Engine
import Foundation
@testable import NameMapping
import Tensors
import Testing
import TestSupport

/// keras.applications' names and layouts against what Keras 3 itself writes, and Keras's logits
/// against zoo's engine running the function Keras's files compute (formats/conventions/keras).
struct KerasConventionTests {
    static let models = KerasApplicationsNaming.models.sorted()
    static let pairs = models.flatMap { model in [(model, Convention.keras), (model, .keras3)] }
    /// The models whose Keras logits the fixture holds, each read through the legacy names, and
    /// MobileNetV2 through the Keras 3 ones as well.
    static let numeric: [(String, Convention)] = [
        ("mobilenet_v2", .keras), ("mobilenet_v2", .keras3), ("mobilenetv1_100", .keras),
        ("mobilenet_v3_small", .keras), ("mobilenet_v3_large", .keras), ("resnet50", .keras),
    ]

    static func layout(_ name: String, _ convention: Convention) throws -> ConventionLayout {
        let model = try #require(Registry.model(named: name))
        return try #require(convention.layout(of: model, graph: model.graph))
    }

    @Test("the layout lists exactly the tensors Keras writes, in file order", arguments: pairs)
    func tensorList(_ name: String, _ convention: Convention) throws {
        let fixture = try #require(try Fixtures.json("conventions/keras", "\(name).json") as? [String: Any])
        let rows = try #require(fixture[convention.rawValue] as? [[Any]])
        let expected = rows.map { "\($0[0] as! String) \(($0[1] as! [Int]))" }
        let listed = try Self.layout(name, convention).tensors.map { "\($0.name) \($0.shape)" }
        #expect(listed.count == expected.count, "\(name) \(convention): \(listed.count) tensors, Keras writes \(expected.count)")
        for (index, (ours, keras)) in zip(listed, expected).enumerated() where ours != keras {
            Issue.record("\(name) \(convention): tensor \(index) is \(ours), Keras writes \(keras)")
            break
        }
    }

    @Test("Keras's other architectures are not claimed")
    func unsupported() {
        for model in Registry.models where !KerasApplicationsNaming.models.contains(model.name) {
            #expect(Convention.keras.layout(of: model, graph: model.graph) == nil, "\(model.name)")
            #expect(Convention.keras3.layout(of: model, graph: model.graph) == nil, "\(model.name)")
        }
    }

    /// The Keras file's tensors for `model`'s name-keyed canonical weights: each written by the
    /// layout's export, except the ResNet convolution biases the canonical graph lacks, which the
    /// fixture set to the generator's values for `<layer>.bias` (legacy names only).
    static func kerasTensors(_ layout: ConventionLayout, gain: Double) throws -> [String: Tensor] {
        let canonical = { (name: String) in
            let spec = layout.graph.parameters.first { $0.name == name }!.spec
            return NameKeyedWeights.tensor(name: name, shape: Shape(unchecked: spec.shape), dtype: spec.dtype, gain: gain)!
        }
        var tensors: [String: Tensor] = [:]
        for tensor in layout.tensors {
            if case .filled = tensor.export {
                let layer = tensor.name.split(separator: "/")[0]
                tensors[tensor.name] = NameKeyedWeights.tensor(name: "\(layer).bias", shape: Shape(unchecked: tensor.shape), dtype: .f32, gain: gain)!
            } else {
                tensors[tensor.name] = try tensor.export.evaluate(canonical)
            }
        }
        return tensors
    }

    static func gain(_ model: String) throws -> Double {
        let expected = try #require(try Fixtures.json("engine", "expected.json") as? [String: Any])
        return try #require(((expected["models"] as? [String: Any])?[model] as? [String: Any])?["c"] as? Double)
    }

    @Test("zoo's engine on the Keras variant graph computes Keras's logits", arguments: numeric)
    func kerasLogits(_ name: String, _ convention: Convention) throws {
        let layout = try Self.layout(name, convention)
        let tensors = try Self.kerasTensors(layout, gain: Self.gain(name))
        let weights = ComputedWeights { parameter, _ in
            try layout.imports[parameter]!.evaluate { tensors[$0]! }.converted(to: .f32).scalars(as: Float.self)
        }
        let plan = try ForwardPlan(graph: layout.conventionGraph, weights: weights, batch: 2)
        let logits = try plan.run(images: NameKeyedWeights.image(batch: 2, size: 224).scalars(as: Float.self), count: 2)[0]
        let keras = try NpzReader(path: Fixtures.path("conventions/keras", "logits.npz")).tensor(named: name).scalars(as: Float.self)
        let torch = try NpzReader(path: Fixtures.path("engine", "outputs/\(name).npz")).tensor(named: "logits").scalars(as: Float.self)
        let error = zip(logits, keras).map { abs($0 - $1) }.max()!
        #expect(error <= 1e-4, "\(name) \(convention): max |zoo − Keras| = \(error)")
        // Keras's function differs from PyTorch's visibly: the variant graph is what matches.
        let difference = zip(torch, keras).map { abs($0 - $1) }.max()!
        #expect(difference > 1e-2, "\(name): max |PyTorch − Keras| = \(difference)")
    }

    @Test("a Keras ResNet convolution bias is folded into the batch-norm mean exactly")
    func biasFold() throws {
        let layout = try Self.layout("resnet50", .keras)
        var tensors = try Self.kerasTensors(layout, gain: 2.5)
        let bias = try #require(tensors["conv3_block1_1_conv/bias"]).scalars(as: Float.self)
        let mean = try #require(tensors["conv3_block1_1_bn/moving_mean"]).scalars(as: Float.self)
        #expect(bias.allSatisfy { $0 != 0 })
        let folded = try layout.imports["layer2.0.bn1.running_mean"]!.evaluate { tensors[$0]! }.scalars(as: Float.self)
        #expect(folded == zip(mean, bias).map { Float(Double($0) - Double($1)) })
        // With zero biases (what zoo writes) the mean comes back unchanged.
        tensors["conv3_block1_1_conv/bias"] = Tensor([Float](repeating: 0, count: bias.count), dtype: .f32, shape: Shape(unchecked: [bias.count]))
        #expect(try layout.imports["layer2.0.bn1.running_mean"]!.evaluate { tensors[$0]! }.scalars(as: Float.self) == mean)
        #expect(layout.tensor(named: "conv3_block1_1_conv/bias")?.export == .filled(value: 0, shape: [128], dtype: .f32))
    }

    @Test("each family's function differences")
    func differences() throws {
        #expect(try Self.layout("mobilenet_v2", .keras).differences == [.batchNormEpsilon(1e-3), .samePaddingWhenStrided])
        // torchvision's MobileNetV3 already uses ε 1e-3.
        #expect(try Self.layout("mobilenet_v3_small", .keras3).differences == [.samePaddingWhenStrided])
        #expect(try Self.layout("resnet101", .keras).differences == [.batchNormEpsilon(1.001e-5), .strideOnFirstBottleneckConvolution])
        #expect(try Self.layout("vgg19", .keras3).differences.isEmpty)
    }
}
