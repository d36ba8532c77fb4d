/// GPT-2's split of text into pieces before byte-level BPE, written out by hand: the matches of
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, the first
/// alternative that matches winning at each position, as the regex engines of Hugging Face's
/// tokenizers (Oniguruma) and of GPT-2 (Python's `regex`) find them. `\s` is Unicode White_Space.
enum GPT2PreTokenizer {
    private enum Kind { case letter, number, whitespace, other }

    /// The pieces, in order; together they are the whole text.
    static func pieces(_ text: ArraySlice<Unicode.Scalar>) -> [ArraySlice<Unicode.Scalar>] {
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var start = text.startIndex
        while start < text.endIndex {
            let end = pieceEnd(text, from: start)
            pieces.append(text[start..<end])
            start = end
        }
        return pieces
    }

    private static func pieceEnd(_ text: ArraySlice<Unicode.Scalar>, from start: Int) -> Int {
        if let end = contractionEnd(text, from: start) { return end }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one kind.
        let runStart = text[start] == " " && start + 1 < text.endIndex ? start + 1 : start
        let kind = kind(text[runStart])
        if kind != .whitespace { return runEnd(text, from: runStart, kind) }
        // `\s+(?!\S)` leaves the last whitespace before a non-space to that word's ` ?` prefix;
        // a single whitespace before a non-space falls through to `\s+`.
        let end = runEnd(text, from: start, .whitespace)
        return end == text.endIndex || end - start == 1 ? end : end - 1
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` (case-sensitive, ASCII apostrophe).
    private static func contractionEnd(_ text: ArraySlice<Unicode.Scalar>, from start: Int) -> Int? {
        guard text[start] == "'" else { return nil }
        let rest = text[(start + 1)...]
        for suffix in ["s", "t", "re", "ve", "m", "ll", "d"] where rest.starts(with: suffix.unicodeScalars) {
            return start + 1 + suffix.unicodeScalars.count
        }
        return nil
    }

    private static func runEnd(_ text: ArraySlice<Unicode.Scalar>, from start: Int, _ runKind: Kind) -> Int {
        text[start...].firstIndex { kind($0) != runKind } ?? text.endIndex
    }

    private static func kind(_ scalar: Unicode.Scalar) -> Kind {
        if scalar.properties.isWhitespace { return .whitespace }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }
}
