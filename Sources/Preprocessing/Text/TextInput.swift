/// One sequence a tokenizer encodes: a text, or two texts a model reads together (a sentence-pair
/// task such as entailment or paraphrase), joined as the tokenizer's `PairTemplate` says.
public enum TextInput: Hashable, Sendable {
    case single(String)
    case pair(String, String)
}
