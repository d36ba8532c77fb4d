import Preprocessing
import TestSupport
import Testing

/// Padding, truncation, attention masks and token types of `Tokenizer.encode(batch:)`, with the
/// ids transformers gives for "Hello, world!", "" and "a b c d e f g" (formats/engine/tokenizers.json).
@Suite struct BatchEncodingTests {
    let texts = ["Hello, world!", "", "a b c d e f g"]
    let bert = try! TokenizerReferenceTests.wordPiece(lowercase: true)
    let roberta = try! TokenizerReferenceTests.bpe()

    @Test func padsToTheLongestRowWithPadIdAndMaskZero() {
        let batch = bert.encode(batch: texts)
        #expect(batch.batch == 3)
        #expect(batch.length == 9)
        #expect(
            batch.inputIds == [
                101, 7592, 1010, 2088, 999, 102, 0, 0, 0,
                101, 102, 0, 0, 0, 0, 0, 0, 0,
                101, 1037, 1038, 1039, 1040, 1041, 1042, 1043, 102,
            ])
        #expect(
            batch.attentionMask == [
                1, 1, 1, 1, 1, 1, 0, 0, 0,
                1, 1, 0, 0, 0, 0, 0, 0, 0,
                1, 1, 1, 1, 1, 1, 1, 1, 1,
            ])
        #expect(batch.tokenTypeIds == Array(repeating: 0, count: 27))
    }

    @Test func truncationKeepsTheSpecialTokens() {
        let batch = bert.encode(batch: texts, maxLength: 4)
        #expect(batch.length == 4)
        #expect(batch.inputIds == [101, 7592, 1010, 102, 101, 102, 0, 0, 101, 1037, 1038, 102])
        #expect(batch.attentionMask == [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1])
    }

    @Test func fixedLengthPadsAndTruncates() {
        let long = bert.encode(batch: ["Hello, world!"], padding: .fixed(8))
        #expect(long.length == 8)
        #expect(long.inputIds == [101, 7592, 1010, 2088, 999, 102, 0, 0])
        #expect(long.attentionMask == [1, 1, 1, 1, 1, 1, 0, 0])
        let short = bert.encode(batch: ["Hello, world!"], padding: .fixed(3))
        #expect(short.inputIds == [101, 7592, 102])
        // The smaller of maxLength and the fixed length wins; the row is still padded to the fixed length.
        let both = bert.encode(batch: ["Hello, world!"], padding: .fixed(5), maxLength: 3)
        #expect(both.inputIds == [101, 7592, 102, 0, 0])
        #expect(both.attentionMask == [1, 1, 1, 0, 0])
    }

    @Test func withoutSpecialTokens() {
        let batch = bert.encode(batch: ["Hello, world!", ""], maxLength: 2, addSpecialTokens: false)
        #expect(batch.length == 2)
        #expect(batch.inputIds == [7592, 1010, 0, 0])
        #expect(batch.attentionMask == [1, 1, 0, 0])
    }

    @Test func robertaPadsWithPadIdOne() {
        let batch = roberta.encode(batch: ["Hello, world!", ""])
        #expect(batch.length == 8)
        #expect(batch.inputIds == [0, 44, 421, 83, 16, 713, 5, 2, 0, 2, 1, 1, 1, 1, 1, 1])
        #expect(batch.attentionMask == [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        #expect(batch.tokenTypeIds == Array(repeating: 0, count: 16))
    }

    @Test func emptyBatch() {
        let batch = roberta.encode(batch: [])
        #expect(batch == EncodedBatch(batch: 0, length: 0, inputIds: [], attentionMask: [], tokenTypeIds: []))
    }
}
