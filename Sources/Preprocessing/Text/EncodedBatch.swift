/// Token ids for a batch of texts, padded to one length: what an encoder model reads. Every array
/// is `batch × length`, row-major (row `i` is `i * length ..< (i + 1) * length`).
public struct EncodedBatch: Equatable, Sendable {
    /// How long the rows are made.
    public enum Padding: Equatable, Sendable {
        /// As long as the longest row (after truncation).
        case longest
        /// Exactly this many tokens: shorter rows are padded, longer ones truncated.
        case fixed(Int)
    }

    public let batch: Int
    public let length: Int
    /// Token ids, padding positions holding the tokenizer's pad id.
    public let inputIds: [Int]
    /// 1 for real tokens (special ones included), 0 for padding.
    public let attentionMask: [Int]
    /// The segment of each token: 0 everywhere, as for single sentences in BERT and RoBERTa.
    public let tokenTypeIds: [Int]

    public init(batch: Int, length: Int, inputIds: [Int], attentionMask: [Int], tokenTypeIds: [Int]) {
        self.batch = batch
        self.length = length
        self.inputIds = inputIds
        self.attentionMask = attentionMask
        self.tokenTypeIds = tokenTypeIds
    }
}
