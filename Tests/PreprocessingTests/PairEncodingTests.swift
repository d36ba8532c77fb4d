import Foundation
import Preprocessing
import TestSupport
import Testing

/// Sentence pairs encoded as transformers' fast tokenizers encode them (formats/engine/pairs.json):
/// BERT's and RoBERTa's templates, token types, and `longest_first` truncation cutting the longer
/// text, the shorter, or both.
@Suite struct PairEncodingTests {
    struct Batch: Decodable {
        let tokenizer: String
        let max_length: Int?
        let input_ids: [[Int]]
        let token_type_ids: [[Int]]
        let attention_mask: [[Int]]
    }

    struct Reference: Decodable {
        let pairs: [[String]]
        let cases: [Batch]
    }

    static let reference = try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("engine", "pairs.json"))))

    @Test func fixtureCoversBothTokenizersUntruncatedAndTruncated() {
        #expect(Set(Self.reference.cases.map(\.tokenizer)) == ["wordpiece", "bpe"])
        #expect(Self.reference.cases.contains { $0.max_length == nil })
        #expect(Self.reference.cases.filter { $0.max_length != nil }.count >= 8)
    }

    @Test(arguments: reference.cases)
    func batchMatchesHuggingFace(batch: Batch) throws {
        let tokenizer: any Tokenizer = batch.tokenizer == "wordpiece"
            ? try TokenizerReferenceTests.wordPiece(lowercase: true) : try TokenizerReferenceTests.bpe()
        let inputs = Self.reference.pairs.map { TextInput.pair($0[0], $0[1]) }
        let encoded = batch.max_length.map { tokenizer.encode(batch: inputs, padding: .fixed($0)) } ?? tokenizer.encode(batch: inputs)
        let rows = { (flat: [Int]) in (0..<encoded.batch).map { Array(flat[$0 * encoded.length..<($0 + 1) * encoded.length]) } }
        let label = "\(batch.tokenizer) max_length \(batch.max_length.map(String.init) ?? "none")"
        #expect(rows(encoded.inputIds) == batch.input_ids, "\(label): ids")
        #expect(rows(encoded.tokenTypeIds) == batch.token_type_ids, "\(label): token types")
        #expect(rows(encoded.attentionMask) == batch.attention_mask, "\(label): attention mask")
    }

    @Test func tokenCountIsTheUntruncatedLengthWithSeparators() throws {
        let bert = try TokenizerReferenceTests.wordPiece(lowercase: true), roberta = try TokenizerReferenceTests.bpe()
        for pair in Self.reference.pairs {
            for tokenizer in [bert, roberta] as [any Tokenizer] {
                let input = TextInput.pair(pair[0], pair[1])
                #expect(tokenizer.tokenCount(input) == tokenizer.encode(batch: [input]).length)
            }
        }
    }
}
