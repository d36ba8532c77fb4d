/// BERT's split into words, as Hugging Face tokenizers' `BertPreTokenizer`: whitespace separates
/// words and is dropped, and every punctuation character is a word of its own.
enum BertPreTokenizer {
    static func words(_ text: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var wordStart = 0
        for (index, scalar) in text.enumerated() {
            let isWhitespace = scalar.properties.isWhitespace
            guard isWhitespace || isPunctuation(scalar) else { continue }
            if wordStart < index { words.append(text[wordStart..<index]) }
            if !isWhitespace { words.append(text[index...index]) }
            wordStart = index + 1
        }
        if wordStart < text.count { words.append(text[wordStart...]) }
        return words
    }

    /// ASCII punctuation (33–47, 58–64, 91–96, 123–126, which includes symbols such as `$`, `+`,
    /// `^`) or any Unicode punctuation category (P*).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
