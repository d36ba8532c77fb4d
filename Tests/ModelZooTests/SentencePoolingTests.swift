import Foundation
import ModelZoo
import TestSupport
import Testing

/// The pooling a sentence-transformers folder declares, followed on the real all-MiniLM-L6-v2
/// weights: its own folder (mean, then Normalize), and copies whose modules.json asks for the
/// [CLS] token or the maximum, checked against transformers' last hidden states (formats/engine).
@Suite(.enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
struct SentencePoolingTests {
    static let sentences = ((try! Fixtures.json("engine", "minilm.json") as! [String: Any])["sentences"] as! [[String: Any]]).map { $0["text"] as! String }
    static let reference = try! NpzReader(path: Fixtures.path("engine", "minilm.npz"))

    /// transformers' last hidden state of sentence `index`, one row per token.
    static func tokenStates(_ index: Int) throws -> [[Float]] {
        let tensor = try reference.tensor(named: "tokens_\(index)")
        let values = try tensor.scalars(as: Float.self), width = tensor.shape.dims[1]
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0..<$0 + width]) }
    }

    /// A folder with MiniLM's weights and vocabulary and a modules.json pooling by `mode`.
    static func folder(pooling mode: String, normalize: Bool) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        for file in ["model.safetensors", "vocab.txt"] {
            try FileManager.default.createSymbolicLink(atPath: folder.file(file), withDestinationPath: RealAssets.miniLM + "/" + file)
        }
        var modules = [["idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"],
                       ["idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"]]
        if normalize { modules.append(["idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"]) }
        try JSONSerialization.data(withJSONObject: modules).write(to: URL(fileURLWithPath: folder.file("modules.json")))
        try FileManager.default.createDirectory(atPath: folder.file("1_Pooling"), withIntermediateDirectories: true)
        let config = ["cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens"].reduce(into: ["word_embedding_dimension": 384] as [String: Any]) {
            $0["pooling_mode_" + $1] = $1 == mode
        }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder.file("1_Pooling/config.json")))
        return folder
    }

    static func embeddings(_ path: String) throws -> (ModelRunner, [[Float]]) {
        let runner = try ModelRunner(weights: path)
        return (runner, try runner.run(texts: sentences, tokenizer: runner.tokenizer()).embeddings)
    }

    @Test("all-MiniLM-L6-v2's own folder: mean pooling then Normalize, so norm 1 and the mean-pooled embedding over its norm")
    func miniLMIsNormalised() throws {
        let (runner, embeddings) = try Self.embeddings(RealAssets.miniLM)
        #expect(runner.pooling == SentencePooling(mode: .mean, normalized: true, declaredBy: RealAssets.miniLM + "/modules.json"))
        let mean = try Self.reference.tensor(named: "mean_pooled").scalars(as: Float.self)
        for (index, embedding) in embeddings.enumerated() {
            let row = Array(mean[index * 384..<(index + 1) * 384])
            let norm = row.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(embedding.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() - 1) < 1e-5)
            #expect(maxAbsoluteDifference(embedding, row.map { $0 / norm }) < 1e-5, "sentence \(index)")
        }
    }

    @Test("a folder declaring cls pooling embeds each sentence as its first token's state; max pooling as the maximum over its tokens")
    func clsAndMaxPooling() throws {
        let cls = try Self.folder(pooling: "cls_token", normalize: false)
        let (runner, first) = try Self.embeddings(cls.path)
        #expect(runner.pooling.mode == .cls && !runner.pooling.normalized)
        let max = try Self.folder(pooling: "max_tokens", normalize: true)
        let (_, largest) = try Self.embeddings(max.path)
        for index in Self.sentences.indices {
            let states = try Self.tokenStates(index)
            #expect(maxAbsoluteDifference(first[index], states[0]) < 1e-4, "sentence \(index): [CLS]")
            let maximum = (0..<384).map { channel in states.map { $0[channel] }.max()! }
            let norm = maximum.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(maxAbsoluteDifference(largest[index], maximum.map { $0 / norm }) < 1e-5, "sentence \(index): max, normalised")
        }
    }

    @Test("a pooling zoo does not compute is refused, naming the file")
    func unsupportedPoolingIsRefused() throws {
        let folder = try Self.folder(pooling: "mean_sqrt_len_tokens", normalize: false)
        #expect(throws: SentencePoolingError.unsupportedPooling(file: folder.file("1_Pooling/config.json"), modes: ["pooling_mode_mean_sqrt_len_tokens"])) {
            try ModelRunner(weights: folder.path)
        }
    }
}
