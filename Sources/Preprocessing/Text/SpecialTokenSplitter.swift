/// Finds special tokens written in the text itself ("[CLS]", "<mask>"). Hugging Face's fast
/// tokenizers match them verbatim in the raw text, before any normalisation, longest first, and
/// give them their id whole; only the text between them goes through the tokenizer's pipeline.
struct SpecialTokenSplitter: Sendable {
    private let tokens: [(scalars: [Unicode.Scalar], id: Int)]

    /// The special tokens to find, looked up in `vocabulary`.
    init(_ tokens: [String], vocabulary: Vocabulary) throws(TokenizerError) {
        var found: [(scalars: [Unicode.Scalar], id: Int)] = []
        for token in tokens { found.append((Array(token.unicodeScalars), try vocabulary.id(ofSpecial: token))) }
        // Longest first, so that a token that is a prefix of another never wins over it.
        self.tokens = found.sorted { $0.scalars.count > $1.scalars.count }
    }

    /// The ids of `text`: each special token found gives its own id, and `tokenize` gives those
    /// of every non-empty stretch of text around them.
    func ids(_ text: String, tokenize: (ArraySlice<Unicode.Scalar>) -> [Int]) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int] = []
        var textStart = 0
        var position = 0
        while position < scalars.count {
            guard let match = tokens.first(where: { scalars[position...].starts(with: $0.scalars) }) else {
                position += 1
                continue
            }
            if textStart < position { ids += tokenize(scalars[textStart..<position]) }
            ids.append(match.id)
            position += match.scalars.count
            textStart = position
        }
        if textStart < scalars.count { ids += tokenize(scalars[textStart...]) }
        return ids
    }
}
