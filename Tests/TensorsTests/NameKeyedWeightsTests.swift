import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// The Swift side of the engine tests' weight generator agrees bit for bit with the Python one
/// that computed PyTorch's reference outputs (formats/engine/generator_vectors.json, expected.json).
@Suite struct NameKeyedWeightsTests {
    nonisolated(unsafe) static let vectors = try! Fixtures.json("engine", "generator_vectors.json") as! [String: Any]

    @Test func seedsDrawsAndUniformsMatch() throws {
        for entry in Self.vectors["seeds"] as! [[String: Any]] {
            let name = entry["name"] as! String
            #expect(String(format: "0x%016llx", NameKeyedWeights.seed(name)) == entry["fnv1a64"] as? String, "\(name)")
            var rng = SplitMix64(seed: NameKeyedWeights.seed(name))
            let draws = (0..<(entry["draws"] as! [String]).count).map { _ in String(format: "0x%016llx", rng.next()) }
            #expect(draws == entry["draws"] as! [String], "\(name)")
            rng = SplitMix64(seed: NameKeyedWeights.seed(name))
            // JSON holds each float32 as the shortest decimal of its double value.
            let u = (entry["u"] as! [Double]).map { _ in NameKeyedWeights.uniform(&rng) }
            #expect(u == (entry["u"] as! [Double]).map { Float($0) }, "\(name)")
        }
    }

    @Test func sampleTensorsMatchBitForBit() throws {
        for entry in Self.vectors["tensors"] as! [[String: Any]] {
            let name = entry["name"] as! String
            let shape = Shape(unchecked: entry["shape"] as! [Int])
            let dtype: DType = entry["dtype"] as? String == "int64" ? .i64 : .f32
            let tensor = try #require(NameKeyedWeights.tensor(name: name, shape: shape, dtype: dtype, gain: entry["c"] as? Double ?? 0))
            #expect(NameKeyedWeights.kind(name: name, rank: shape.rank, dtype: dtype)?.rawValue == entry["kind"] as? String, "\(name)")
            #expect(tensor.withUnsafeBytes { CRC32.checksum($0) } == (entry["crc32"] as! NSNumber).uint32Value, "\(name)")
            if let bits = entry["first_bits"] as? [String] {
                let first = tensor.scalars(as: Float.self).prefix(bits.count).map { String(format: "0x%08x", $0.bitPattern) }
                #expect(first == bits, "\(name)")
            }
        }
    }

    @Test func inputsMatch() throws {
        let image = try #require(Self.vectors["image_input_224"] as? [String: Any])
        #expect(NameKeyedWeights.image(size: 224).withUnsafeBytes { CRC32.checksum($0) } == (image["crc32"] as! NSNumber).uint32Value)
        for (key, pad) in [("token_inputs_bert", 0), ("token_inputs_roberta", 1)] {
            let tokens = try #require(Self.vectors[key] as? [String: Any])
            let generated = NameKeyedWeights.tokens(pad: pad)
            #expect(generated.ids == tokens["input_ids"] as! [[Int]] && generated.mask == tokens["attention_mask"] as! [[Int]], "\(key)")
        }
    }

    /// Every float tensor of whole models, in state-dict order: the CRC-32 PyTorch's weights had.
    @Test(arguments: ["resnet18", "mobilenet_v3_small", "tf_efficientnet_lite0", "bert_tiny_uncased"])
    func wholeModelsMatch(_ model: String) throws {
        let expected = ((try Fixtures.json("engine", "expected.json") as! [String: Any])["models"] as! [String: Any])[model] as! [String: Any]
        let stateDict = (try Fixtures.json("architectures", model + ".json") as! [String: Any])["state_dict"] as! [[Any]]
        var crc: UInt32 = 0
        for entry in stateDict where entry[2] as? String == "float32" {
            let name = entry[0] as! String
            let tensor = try #require(NameKeyedWeights.tensor(name: name, shape: Shape(unchecked: entry[1] as! [Int]), dtype: .f32, gain: expected["c"] as! Double))
            crc = tensor.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
        }
        #expect(crc == (expected["weights_crc32"] as! NSNumber).uint32Value)
    }
}
