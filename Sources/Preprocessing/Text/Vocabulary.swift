/// A tokenizer's token → id table. Tokens are keyed by their UTF-8 bytes, not by `String`:
/// Swift's string equality is canonical equivalence ("é" == "e\u{301}"), which would merge
/// tokens that Hugging Face keeps apart.
struct Vocabulary: Sendable {
    /// The file the tokens came from, for error messages.
    let file: String
    private let ids: [[UInt8]: Int]

    /// One entry per token with the line it was read from; a token listed twice is an error.
    init(file: String, entries: [(token: [UInt8], id: Int, line: Int)]) throws(TokenizerError) {
        var ids: [[UInt8]: Int] = [:]
        var lines: [[UInt8]: Int] = [:]
        for entry in entries {
            if let firstLine = lines[entry.token] {
                throw .duplicate(file: file, line: entry.line, entry: String(decoding: entry.token, as: UTF8.self), firstLine: firstLine)
            }
            ids[entry.token] = entry.id
            lines[entry.token] = entry.line
        }
        self.file = file
        self.ids = ids
    }

    /// A vocab.txt (WordPiece): one token per line, its id the 0-based line index. Trailing
    /// whitespace is not part of a token (Hugging Face trims it too), and a line must hold one.
    init(lines file: TextFile) throws(TokenizerError) {
        var entries: [(token: [UInt8], id: Int, line: Int)] = []
        for line in file.lines {
            var token = Array(String(decoding: line.bytes, as: UTF8.self).unicodeScalars)
            while token.last?.properties.isWhitespace == true { token.removeLast() }
            guard !token.isEmpty else { throw .malformedLine(file: file.path, line: line.number, reason: "empty token") }
            entries.append((token.utf8Bytes, line.number - 1, line.number))
        }
        try self.init(file: file.path, entries: entries)
    }

    /// A vocab.json (byte-level BPE): an object of token → id.
    init(json file: TextFile) throws(TokenizerError) {
        try self.init(file: file.path, entries: VocabularyJSON.entries(of: file))
    }

    subscript(token: [UInt8]) -> Int? { ids[token] }

    /// The id of a special token the tokenizer cannot work without.
    func id(ofSpecial token: String) throws(TokenizerError) -> Int {
        guard let id = ids[Array(token.utf8)] else { throw .missingSpecialToken(file: file, token: token) }
        return id
    }
}
