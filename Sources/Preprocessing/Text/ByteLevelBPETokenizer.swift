import Synchronization

/// The byte-level BPE tokenizer of RoBERTa and GPT-2, equal to transformers' fast
/// `RobertaTokenizer` built from vocab.json and merges.txt (`add_prefix_space=False`): GPT-2's
/// split into pieces, each piece's UTF-8 bytes spelled with GPT-2's byte alphabet, then the BPE
/// merges. Sequences are `<s> … </s>`, padded with `<pad>`.
public final class ByteLevelBPETokenizer: Tokenizer {
    /// The special tokens the vocabulary must hold; written in the text they stay whole. None
    /// swallows the space before it: the files carry no added-token flags, and transformers then
    /// declares `<mask>` without `lstrip` (a RoBERTa tokenizer.json may say otherwise).
    public static let specialTokens = ["<s>", "</s>", "<pad>", "<unk>", "<mask>"]
    /// The most pieces whose tokens are remembered (Hugging Face's BPE cache holds as many).
    static let cacheCapacity = 10_000

    /// <s>
    public let startId: Int
    /// </s>
    public let endId: Int
    /// <pad>
    public let padId: Int
    /// `.roberta`: <s> a </s></s> b </s>, segment 0.
    public var pairTemplate: PairTemplate { .roberta }
    /// <unk>: a byte the vocabulary cannot spell.
    public let unknownId: Int
    private let merges: BPEMerges
    private let splitter: SpecialTokenSplitter
    /// The id of each byte's character in the vocabulary.
    private let byteIds: [Int]
    /// Pieces already merged, keyed by their UTF-8 bytes.
    private let cache = Mutex<[[UInt8]: [Int]]>([:])

    /// Loads vocab.json (an object of token → id) and merges.txt (two tokens per line).
    public init(vocabularyFile: String, mergesFile: String) throws(TokenizerError) {
        let vocabulary = try Vocabulary(json: TextFile(path: vocabularyFile))
        startId = try vocabulary.id(ofSpecial: "<s>")
        endId = try vocabulary.id(ofSpecial: "</s>")
        padId = try vocabulary.id(ofSpecial: "<pad>")
        let unknownId = try vocabulary.id(ofSpecial: "<unk>")
        self.unknownId = unknownId
        splitter = try SpecialTokenSplitter(Self.specialTokens, vocabulary: vocabulary)
        merges = try BPEMerges(path: mergesFile, vocabulary: vocabulary)
        byteIds = ByteLevelAlphabet.characters.map { vocabulary[CollectionOfOne($0).utf8Bytes] ?? unknownId }
    }

    public func tokenIds(_ text: String) -> [Int] {
        splitter.ids(text) { GPT2PreTokenizer.pieces($0).flatMap { merged($0.utf8Bytes) } }
    }

    /// The tokens of one piece, from the cache when it has been seen before.
    private func merged(_ piece: [UInt8]) -> [Int] {
        if let ids = cache.withLock({ $0[piece] }) { return ids }
        let ids = merges.apply(piece.map { byteIds[Int($0)] })
        cache.withLock { cache in
            if cache.count < Self.cacheCapacity { cache[piece] = ids }
        }
        return ids
    }
}
