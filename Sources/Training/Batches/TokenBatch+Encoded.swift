import Engine
import Preprocessing

extension TokenBatch {
    /// A tokenizer's padded batch as the engine takes it.
    public init(_ encoded: EncodedBatch) throws {
        func rows(_ flat: [Int]) -> [[Int]] {
            (0..<encoded.batch).map { Array(flat[$0 * encoded.length..<($0 + 1) * encoded.length]) }
        }
        try self.init(ids: rows(encoded.inputIds), attentionMask: rows(encoded.attentionMask), tokenTypes: rows(encoded.tokenTypeIds))
    }
}
