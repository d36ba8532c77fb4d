/// The WordPiece tokenizer of BERT, DistilBERT and MiniLM, equal to transformers' fast
/// `BertTokenizer` built from a vocab.txt: BERT normalisation (clean-up, CJK ideographs apart,
/// optional accent stripping and lower-casing), a split at whitespace and punctuation, then each
/// word cut greedily into the longest vocabulary entries, continuations marked "##".
///
/// Known difference: Hugging Face classifies characters (punctuation, nonspacing marks, format
/// characters) with Unicode 8.0 tables, zoo with Swift's current ones. A character assigned since
/// Unicode 9 in one of those categories (U+2E53 "⹓", U+0B55 "୕") is split off, stripped or dropped
/// here but stays inside its word (usually an [UNK]) in Hugging Face.
public struct WordPieceTokenizer: Tokenizer {
    /// Words longer than this many characters (Unicode scalars) become [UNK], as in Hugging Face.
    public static let maxCharactersPerWord = 100
    /// The special tokens the vocabulary must hold; written in the text they stay whole.
    public static let specialTokens = ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"]

    /// [CLS]
    public let startId: Int
    /// [SEP]
    public let endId: Int
    /// [PAD]
    public let padId: Int
    /// `.bert`: [CLS] a [SEP] b [SEP], segments 0 and 1.
    public var pairTemplate: PairTemplate { .bert }
    /// [UNK]: a word the vocabulary cannot cover.
    public let unknownId: Int
    private let vocabulary: Vocabulary
    private let normalizer: BertNormalizer
    private let splitter: SpecialTokenSplitter

    /// Loads `vocabularyFile`, one token per line, a token's id being its 0-based line index.
    /// - Parameters:
    ///   - vocabularyFile: the model's `vocab.txt`.
    ///   - lowercase: Hugging Face's `do_lower_case` (true for uncased models).
    ///   - stripAccents: `strip_accents`: decompose (NFD) and drop nonspacing marks; nil follows
    ///     `lowercase`, as in Hugging Face.
    ///   - tokenizeChineseCharacters: `tokenize_chinese_chars`: each CJK ideograph is a word.
    public init(
        vocabularyFile: String, lowercase: Bool = true, stripAccents: Bool? = nil, tokenizeChineseCharacters: Bool = true
    ) throws(TokenizerError) {
        vocabulary = try Vocabulary(lines: TextFile(path: vocabularyFile))
        startId = try vocabulary.id(ofSpecial: "[CLS]")
        endId = try vocabulary.id(ofSpecial: "[SEP]")
        padId = try vocabulary.id(ofSpecial: "[PAD]")
        unknownId = try vocabulary.id(ofSpecial: "[UNK]")
        splitter = try SpecialTokenSplitter(Self.specialTokens, vocabulary: vocabulary)
        normalizer = BertNormalizer(
            lowercase: lowercase, stripAccents: stripAccents ?? lowercase, separateChineseCharacters: tokenizeChineseCharacters)
    }

    public func tokenIds(_ text: String) -> [Int] {
        splitter.ids(text) { BertPreTokenizer.words(normalizer.normalize($0)).flatMap(wordPieces) }
    }

    /// Greedy longest match first: the longest vocabulary entry that starts the word, then the
    /// longest "##" entry that continues it, and so on. A word that cannot be covered this way,
    /// or is too long, is one [UNK].
    private func wordPieces(_ word: ArraySlice<Unicode.Scalar>) -> [Int] {
        guard word.count <= Self.maxCharactersPerWord else { return [unknownId] }
        var pieces: [Int] = []
        var start = word.startIndex
        while start < word.endIndex {
            let prefix = start == word.startIndex ? [] : Array("##".utf8)
            let longest = stride(from: word.endIndex, to: start, by: -1).lazy
                .compactMap { end in vocabulary[prefix + word[start..<end].utf8Bytes].map { (end, $0) } }
                .first
            guard let (end, id) = longest else { return [unknownId] }
            pieces.append(id)
            start = end
        }
        return pieces
    }
}
