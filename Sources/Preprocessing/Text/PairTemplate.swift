/// How a tokenizer joins two texts into one sequence, as the Hugging Face post-processor of its
/// model family does.
public enum PairTemplate: Sendable {
    /// `[CLS] a [SEP] b [SEP]`: segment 0 up to the first [SEP], 1 after it (BERT, DistilBERT, MiniLM).
    case bert
    /// `<s> a </s></s> b </s>`: segment 0 throughout (RoBERTa).
    case roberta

    /// The special tokens a pair gets.
    public var specialTokenCount: Int {
        switch self {
        case .bert: 3
        case .roberta: 4
        }
    }

    /// The ids and segments of `first` and `second` joined between `start` and `end` tokens.
    func join(_ first: [Int], _ second: [Int], start: Int, end: Int) -> (ids: [Int], types: [Int]) {
        switch self {
        case .bert:
            ([start] + first + [end] + second + [end],
             Array(repeating: 0, count: first.count + 2) + Array(repeating: 1, count: second.count + 1))
        case .roberta:
            ([start] + first + [end, end] + second + [end], Array(repeating: 0, count: first.count + second.count + 4))
        }
    }

    /// How many tokens of each text to keep so both fit in `budget` tokens, as tokenizers'
    /// `longest_first` truncation: the shorter text keeps its length when the longer can take the
    /// rest; else both get half, the longer the odd token. Tokens are dropped from the end.
    static func longestFirst(_ first: Int, _ second: Int, budget: Int) -> (first: Int, second: Int) {
        guard first + second > budget else { return (first, second) }
        var (short, long) = (min(first, second), max(first, second))
        long = short > budget ? short : max(short, budget - short)
        if short + long > budget { (short, long) = (budget / 2, budget / 2 + budget % 2) }
        return first > second ? (long, short) : (short, long)
    }
}
