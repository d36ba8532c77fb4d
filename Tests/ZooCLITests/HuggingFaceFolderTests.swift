import Foundation
import TestSupport
import Testing

/// `zoo convert --to huggingface` writes a folder a user can load: the weights, a config.json,
/// and the source folder's tokenizer and sentence-transformers files, so zoo's own `run` and
/// `score` (and `AutoTokenizer`, sentence-transformers) read it as they read the source.
@Suite(.enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
struct HuggingFaceFolderTests {
    static let carried = [
        "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
        "config_sentence_transformers.json", "1_Pooling/config.json",
    ]

    static func json(_ result: Zoo.Result) throws -> [String: Any] {
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    @Test("the tokenizer and sentence-transformers files are carried over, said in text and --json; run and score read the folder")
    func tokenizerAndModulesAreCarriedOver() throws {
        let folder = try TemporaryFolder()
        let output = folder.file("out/minilm_hf")
        let report = try Self.json(Zoo.run("convert", RealAssets.miniLM, output, "--to", "huggingface", "--json"))
        #expect(report["carried_files"] as? [String] == Self.carried)
        for name in Self.carried {
            #expect(FileManager.default.contentsEqual(atPath: output + "/" + name, andPath: RealAssets.miniLM + "/" + name), "\(name)")
        }
        let text = try Zoo.run("convert", RealAssets.miniLM, folder.file("again"), "--to", "huggingface")
        #expect(text.status == 0 && text.stdout.contains("carried over from \(RealAssets.miniLM): vocab.txt, tokenizer.json"), "\(text.stdout)")

        // zoo reads the folder as it reads the source: the same tokenizer, the same pooling.
        let original = try Self.json(Zoo.run("run", "--weights", RealAssets.miniLM, "--text", "Hello world.", "--json"))
        let converted = try Self.json(Zoo.run("run", "--weights", output, "--text", "Hello world.", "--json"))
        #expect((converted["pooling"] as! [String: Any])["declared_by"] as? String == output + "/modules.json")
        #expect((converted["entries"] as! [[String: Any]])[0]["embedding"] as! [Double] == (original["entries"] as! [[String: Any]])[0]["embedding"] as! [Double])
        let lines = ["good\tA lovely, bright morning.", "bad\tA dreary, broken evening.", "good\tWhat a delightful meal.", "bad\tThe food was awful.",
                     "good\tI enjoyed every minute.", "bad\tI regret coming here."]
        try lines.joined(separator: "\n").write(toFile: folder.file("texts.tsv"), atomically: true, encoding: .utf8)
        let score = try Zoo.run("score", "--model", output, "--data", folder.file("texts.tsv"), "--resamples", "0", "--json")
        let scored = try Self.json(score)
        #expect((scored["ranking"] as! [[String: Any]]).count == 1)
        #expect(score.stderr.contains("mean pooling, L2-normalised"), "\(score.stderr)")
    }

    @Test("a source folder without a tokenizer: nothing to carry, and the output says so")
    func nothingToCarry() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createSymbolicLink(atPath: folder.file("model.safetensors"), withDestinationPath: RealAssets.miniLM + "/model.safetensors")
        let report = try Self.json(Zoo.run("convert", folder.file("model.safetensors"), folder.file("hf"), "--to", "huggingface", "--json"))
        #expect(report["carried_files"] as? [String] == [])
        let text = try Zoo.run("convert", folder.file("model.safetensors"), folder.file("hf2"), "--to", "huggingface")
        #expect(text.stdout.contains("no tokenizer or sentence-transformers files beside"), "\(text.stdout)")
    }
}
