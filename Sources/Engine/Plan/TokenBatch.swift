/// A batch of token sequences of one length, as the text models read them.
public struct TokenBatch: Sendable, Equatable {
    /// `count × length` token ids, row-major.
    public let ids: [Int]
    /// 1 for tokens to attend to, 0 for padding.
    public let attentionMask: [Int]
    /// Segment ids (0 for single sentences).
    public let tokenTypes: [Int]
    public let count: Int
    public let length: Int

    /// Rows must all have one length; the mask defaults to all ones and the types to zeros.
    public init(ids: [[Int]], attentionMask: [[Int]]? = nil, tokenTypes: [[Int]]? = nil) throws {
        let length = ids.first?.count ?? 0
        for (name, rows) in [("ids", ids), ("attention mask", attentionMask ?? ids), ("token types", tokenTypes ?? ids)] {
            guard rows.count == ids.count, rows.allSatisfy({ $0.count == length }) else {
                throw EngineError.wrongInput(expected: "\(ids.count) rows of \(length) \(name)", found: "rows of lengths \(rows.map(\.count))")
            }
        }
        self.ids = ids.flatMap { $0 }
        self.attentionMask = attentionMask?.flatMap { $0 } ?? Array(repeating: 1, count: ids.count * length)
        self.tokenTypes = tokenTypes?.flatMap { $0 } ?? Array(repeating: 0, count: ids.count * length)
        count = ids.count
        self.length = length
    }

    /// Samples `range` of the batch.
    func slice(_ range: Range<Int>) -> (ids: [Int], mask: [Int], types: [Int]) {
        let span = range.lowerBound * length..<range.upperBound * length
        return (Array(ids[span]), Array(attentionMask[span]), Array(tokenTypes[span]))
    }
}
