import Architectures
import Foundation
import TestSupport
import Testing

/// Every registry model against the reference library's own state dict (formats/architectures,
/// written by torchvision / timm / transformers): names, shapes and dtypes in order, the trainable
/// parameter count, and multiply-accumulates within 1% of the published figure where there is one.
@Suite struct ReferenceTests {
    struct Reference {
        let stateDict: [(name: String, shape: [Int], dtype: String)]
        let parameters: Int
        let publishedGMACs: Double?
        /// PyTorch's FlopCounterMode count at `countedInputSize`.
        let countedGMACs: Double?
        let countedInputSize: Int?
        let countedSequenceLength: Int?

        init(_ model: String) throws {
            let json = try Fixtures.json("architectures", model + ".json") as! [String: Any]
            stateDict = (json["state_dict"] as! [[Any]]).map {
                ($0[0] as! String, ($0[1] as! [NSNumber]).map(\.intValue), $0[2] as! String)
            }
            parameters = (json["parameters"] as! NSNumber).intValue
            publishedGMACs = (json["published_gmacs"] as? NSNumber)?.doubleValue
            countedGMACs = (json["counted_gmacs"] as? NSNumber)?.doubleValue
            countedInputSize = (json["counted_input_size"] as? NSNumber)?.intValue
            countedSequenceLength = (json["counted_sequence_length"] as? NSNumber)?.intValue
        }
    }

    static let names = Registry.models.map(\.name)

    @Test(arguments: names)
    func stateDictEqualsTheReferenceLibrary(_ name: String) throws {
        let graph = Registry.model(named: name)!.graph
        let reference = try Reference(name)
        // Names, shapes and dtypes must agree exactly; order need not (no loader depends on it, and
        // transformers registers RoBERTa's position table after the LayerNorm that follows it).
        let ours = Dictionary(uniqueKeysWithValues: graph.parameters.map { ($0.name, "\($0.spec.shape) \($0.spec.dtype == .i64 ? "int64" : "float32")") })
        let theirs = Dictionary(uniqueKeysWithValues: reference.stateDict.map { ($0.name, "\($0.shape) \($0.dtype)") })
        #expect(ours.count == graph.parameters.count, "duplicate names in the graph")
        let missing = theirs.keys.filter { ours[$0] == nil }.sorted(), unexpected = ours.keys.filter { theirs[$0] == nil }.sorted()
        let misshaped = theirs.keys.filter { ours[$0] != nil && ours[$0] != theirs[$0] }.sorted()
        #expect(missing == [], "\(name): missing \(missing.prefix(5))")
        #expect(unexpected == [], "\(name): unexpected \(unexpected.prefix(5))")
        #expect(misshaped == [], "\(name): mis-shaped \(misshaped.prefix(5).map { "\($0): zoo \(ours[$0]!), reference \(theirs[$0]!)" })")
        #expect(graph.parameterCount == reference.parameters)
    }

    @Test(arguments: names)
    func multiplyAccumulatesMatchThePublishedFigure(_ name: String) throws {
        let reference = try Reference(name)
        guard let published = reference.publishedGMACs else { return }
        let ours = Double(Registry.model(named: name)!.graph.totalMultiplyAccumulates()) / 1e9
        #expect(abs(ours - published) / published < 0.01, "\(name): zoo \(ours) GMACs, published \(published)")
    }

    @Test(arguments: names)
    func multiplyAccumulatesMatchPyTorchsCount(_ name: String) throws {
        let reference = try Reference(name)
        let graph = Registry.model(named: name)!.graph
        let counted = try #require(reference.countedGMACs)
        let input: InputSpec
        if let length = reference.countedSequenceLength {
            input = .tokens(length: length)
        } else {
            input = .image(channels: 3, size: try #require(reference.countedInputSize))
            #expect(graph.input == input, "default input size differs from the reference's")
        }
        let ours = Double(graph.totalMultiplyAccumulates(input: input)) / 1e9
        #expect(abs(ours - counted) / counted < 0.01, "\(name): zoo \(ours) GMACs, PyTorch counts \(counted)")
    }

    @Test func headsAreReplaceableAndOptional() {
        let custom = ResNet.graph(depth: 50, numClasses: 37)
        #expect(custom.parameters.last!.name == "fc.bias" && custom.parameters.last!.spec.shape == [37])
        let headless = ResNet.graph(depth: 50, numClasses: nil)
        #expect(headless.parameters.last!.name == "layer4.2.bn3.num_batches_tracked")
        #expect(headless.shapes().last! == [2048])
        #expect(MobileNetV2.graph(numClasses: nil).shapes().last! == [1280])
    }

    @Test func shapesFollowTheInputSize() {
        let graph = ResNet.graph(depth: 18)
        let shapes = graph.shapes(input: .image(channels: 3, size: 160))
        let layer4 = graph.nodes.lastIndex { $0.name.hasPrefix("layer4") }!
        #expect(shapes[layer4] == [512, 5, 5])
        #expect(shapes.last! == [1000])
    }
}
