/// A text tokenizer equal to a Hugging Face fast tokenizer: text → vocabulary ids, with the
/// model's special tokens around a sequence. The conforming types supply the tokenisation; single
/// and batch encoding, truncation and padding are shared here.
public protocol Tokenizer: Sendable {
    /// The ids of the text's tokens, without special tokens around them (special tokens written
    /// in the text are kept, as single ids).
    func tokenIds(_ text: String) -> [Int]
    /// The id that opens every sequence: [CLS] for BERT, <s> for RoBERTa.
    var startId: Int { get }
    /// The id that closes every sequence: [SEP] for BERT, </s> for RoBERTa.
    var endId: Int { get }
    /// The id padding positions hold: [PAD] for BERT, <pad> for RoBERTa.
    var padId: Int { get }
}

extension Tokenizer {
    /// The ids of `text`, between `startId` and `endId` when `addSpecialTokens` is true, as
    /// transformers' `tokenizer(text)["input_ids"]`.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        addSpecialTokens ? [startId] + tokenIds(text) + [endId] : tokenIds(text)
    }

    /// The ids of several texts as one padded batch, as transformers'
    /// `tokenizer(texts, padding=..., truncation=True, max_length=...)`: a row longer than
    /// `maxLength` (or than a fixed padding length) loses tokens at its end but keeps its special
    /// tokens, and is padded on the right.
    /// - Precondition: the length limit leaves room for the special tokens.
    public func encode(
        batch texts: [String], padding: EncodedBatch.Padding = .longest, maxLength: Int? = nil, addSpecialTokens: Bool = true
    ) -> EncodedBatch {
        let limits = [maxLength, padding.fixedLength].compactMap { $0 }
        let specialCount = addSpecialTokens ? 2 : 0
        let rows = texts.map { text in
            var ids = tokenIds(text)
            if let limit = limits.min() {
                precondition(limit >= specialCount, "a length limit of \(limit) leaves no room for the special tokens")
                ids = Array(ids.prefix(limit - specialCount))
            }
            return addSpecialTokens ? [startId] + ids + [endId] : ids
        }
        let length = padding.fixedLength ?? rows.map(\.count).max() ?? 0
        var inputIds: [Int] = []
        var attentionMask: [Int] = []
        inputIds.reserveCapacity(rows.count * length)
        attentionMask.reserveCapacity(rows.count * length)
        for row in rows {
            inputIds += row + Array(repeating: padId, count: length - row.count)
            attentionMask += Array(repeating: 1, count: row.count) + Array(repeating: 0, count: length - row.count)
        }
        return EncodedBatch(
            batch: rows.count, length: length, inputIds: inputIds, attentionMask: attentionMask,
            tokenTypeIds: Array(repeating: 0, count: rows.count * length))
    }
}

extension EncodedBatch.Padding {
    fileprivate var fixedLength: Int? {
        if case .fixed(let length) = self { length } else { nil }
    }
}
