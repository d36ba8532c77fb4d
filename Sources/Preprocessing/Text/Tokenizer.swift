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
    /// How two texts are joined into one sequence.
    var pairTemplate: PairTemplate { get }
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
        guard addSpecialTokens else {
            let limit = padding.limit(maxLength) ?? .max
            return padded(texts.map { text in let ids = tokenIds(text).prefix(limit); return (Array(ids), Array(repeating: 0, count: ids.count)) }, padding)
        }
        return encode(batch: texts.map(TextInput.single), padding: padding, maxLength: maxLength)
    }

    /// Texts and text pairs, with their special tokens, as one padded batch, as transformers'
    /// `tokenizer(firsts, seconds, padding=..., truncation="longest_first", max_length=...)`:
    /// a pair joined by `pairTemplate` (token types included), a row over the limit cut as
    /// `PairTemplate.longestFirst` says.
    /// - Precondition: the length limit leaves room for the special tokens.
    public func encode(batch inputs: [TextInput], padding: EncodedBatch.Padding = .longest, maxLength: Int? = nil) -> EncodedBatch {
        let limit = padding.limit(maxLength)
        return padded(inputs.map { sequence($0, limit: limit) }, padding)
    }

    /// How many tokens `input` takes with its special tokens, untruncated.
    public func tokenCount(_ input: TextInput) -> Int {
        switch input {
        case .single(let text): tokenIds(text).count + 2
        case .pair(let first, let second): tokenIds(first).count + tokenIds(second).count + pairTemplate.specialTokenCount
        }
    }

    /// The ids and token types of one input with its special tokens, cut to `limit` tokens.
    private func sequence(_ input: TextInput, limit: Int?) -> (ids: [Int], types: [Int]) {
        switch input {
        case .single(let text):
            var ids = tokenIds(text)
            if let limit {
                precondition(limit >= 2, "a length limit of \(limit) leaves no room for the special tokens")
                ids = Array(ids.prefix(limit - 2))
            }
            return ([startId] + ids + [endId], Array(repeating: 0, count: ids.count + 2))
        case .pair(let first, let second):
            var (a, b) = (tokenIds(first), tokenIds(second))
            if let limit {
                let budget = limit - pairTemplate.specialTokenCount
                precondition(budget >= 0, "a length limit of \(limit) leaves no room for a pair's special tokens")
                let kept = PairTemplate.longestFirst(a.count, b.count, budget: budget)
                (a, b) = (Array(a.prefix(kept.first)), Array(b.prefix(kept.second)))
            }
            return pairTemplate.join(a, b, start: startId, end: endId)
        }
    }

    /// Rows padded on the right with `padId` (token type 0) to the longest row or the fixed length.
    private func padded(_ rows: [(ids: [Int], types: [Int])], _ padding: EncodedBatch.Padding) -> EncodedBatch {
        let length = padding.fixedLength ?? rows.map(\.ids.count).max() ?? 0
        var inputIds: [Int] = [], attentionMask: [Int] = [], tokenTypeIds: [Int] = []
        inputIds.reserveCapacity(rows.count * length)
        attentionMask.reserveCapacity(rows.count * length)
        tokenTypeIds.reserveCapacity(rows.count * length)
        for row in rows {
            let pad = length - row.ids.count
            inputIds += row.ids + Array(repeating: padId, count: pad)
            attentionMask += Array(repeating: 1, count: row.ids.count) + Array(repeating: 0, count: pad)
            tokenTypeIds += row.types + Array(repeating: 0, count: pad)
        }
        return EncodedBatch(batch: rows.count, length: length, inputIds: inputIds, attentionMask: attentionMask, tokenTypeIds: tokenTypeIds)
    }
}

extension EncodedBatch.Padding {
    fileprivate var fixedLength: Int? {
        if case .fixed(let length) = self { length } else { nil }
    }

    /// The tighter of `maxLength` and a fixed length, when there is either.
    fileprivate func limit(_ maxLength: Int?) -> Int? { [maxLength, fixedLength].compactMap { $0 }.min() }
}
