import Architectures
import CheckpointFormats
import Engine
import Foundation
import Preprocessing
import Testing
import TestSupport

/// The real offline checkpoints (`make assets`) against the numbers PyTorch and transformers
/// computed from them (formats/engine: mobilenet_v2_photos.*, minilm.*). Skipped, saying so,
/// when the assets have not been downloaded.
struct RealCheckpointTests {
    @Test("torchvision MobileNetV2 on china.jpg and flower.jpg: PyTorch's top-5 and logits",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth and assets/images (make assets)"))
    func mobileNetV2Photos() throws {
        let reference = try Fixtures.json("engine", "mobilenet_v2_photos.json") as! [String: Any]
        let records = reference["images"] as! [String: [String: Any]]
        let arrays = try NpzReader(path: Fixtures.path("engine", "mobilenet_v2_photos.npz"))
        let names = ["china.jpg", "flower.jpg"]
        let images = try names.map { try RGBImage(contentsOfFile: RealAssets.photos + "/" + $0) }
        let graph = Registry.model(named: "mobilenet_v2")!.graph
        let plan = try ForwardPlan(graph: graph, weights: CheckpointWeights(Checkpoint.open(RealAssets.mobileNetV2)), batch: 2)
        let logits = try plan.run(images: ImagePreprocessing.imageNet.batch(images), count: 2)[0]
        for (index, name) in names.enumerated() {
            let mine = Array(logits[index * 1000..<(index + 1) * 1000])
            let theirs = try arrays.tensor(named: name.replacingOccurrences(of: ".jpg", with: "_logits")).scalars(as: Float.self)
            let error = maxAbsoluteDifference(mine, theirs)
            #expect(error <= 1e-4, "\(name): max |zoo − PyTorch| logit difference \(error)")
            let top5 = (records[name]!["top5"] as! [[String: Any]]).map { $0["class"] as! Int }
            let ranked = mine.indices.sorted { mine[$0] > mine[$1] }.prefix(5)
            #expect(Array(ranked) == top5, "\(name): top-5 \(Array(ranked)), PyTorch's \(top5)")
        }
    }

    @Test("all-MiniLM-L6-v2: transformers' token embeddings and sentence-transformers' pooled embeddings",
          .enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
    func miniLM() throws {
        let reference = try Fixtures.json("engine", "minilm.json") as! [String: Any]
        let sentences = reference["sentences"] as! [[String: Any]]
        let arrays = try NpzReader(path: Fixtures.path("engine", "minilm.npz"))
        let tokenizer = try WordPieceTokenizer(vocabularyFile: RealAssets.miniLM + "/vocab.txt")
        let graph = Registry.model(named: "minilm_l6_h384")!.graph
        let weights = try CheckpointWeights(Checkpoint.open(RealAssets.miniLM + "/model.safetensors"))
        let hiddenNode = graph.nodes[graph.nodes.first { $0.name == "first_token" }!.inputs[0]].name
        let pooled = try arrays.tensor(named: "mean_pooled").scalars(as: Float.self)
        for (index, sentence) in sentences.enumerated() {
            let ids = tokenizer.encode(sentence["text"] as! String)
            #expect(ids == sentence["input_ids"] as! [Int], "sentence \(index): token ids")
            let plan = try ForwardPlan(graph: graph, weights: weights, input: .tokens(length: ids.count), outputs: [hiddenNode])
            let hidden = try plan.run(tokens: TokenBatch(ids: [ids]))[0]
            let expected = try arrays.tensor(named: "tokens_\(index)").scalars(as: Float.self)
            let error = maxAbsoluteDifference(hidden, expected)
            #expect(error <= 1e-4, "sentence \(index): token embeddings differ by up to \(error)")
            let mean = (0..<384).map { channel in (0..<ids.count).reduce(Float(0)) { $0 + hidden[$1 * 384 + channel] } / Float(ids.count) }
            let pooledError = maxAbsoluteDifference(mean, Array(pooled[index * 384..<(index + 1) * 384]))
            #expect(pooledError <= 1e-5, "sentence \(index): mean-pooled embedding differs by up to \(pooledError)")
        }
    }
}
