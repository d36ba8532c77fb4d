import Foundation

/// BERT's text normalisation, as Hugging Face tokenizers' `BertNormalizer`, in its order: clean
/// the text, put spaces around CJK ideographs, strip accents, lower-case.
struct BertNormalizer: Sendable {
    var lowercase: Bool
    var stripAccents: Bool
    var separateChineseCharacters: Bool

    func normalize(_ text: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        for scalar in text where !Self.isDropped(scalar) {
            if Self.isWhitespace(scalar) {
                scalars.append(" ")
            } else if separateChineseCharacters && Self.isChineseCharacter(scalar) {
                scalars += [" ", scalar, " "]
            } else {
                scalars.append(scalar)
            }
        }
        if stripAccents {
            // NFD, then drop the nonspacing marks (Mn) the accents decomposed into.
            let decomposed = String(String.UnicodeScalarView(scalars)).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            // Scalar by scalar (full mappings, no context), as Rust's `char::to_lowercase`.
            scalars = scalars.flatMap { $0.properties.lowercaseMapping.unicodeScalars }
        }
        return scalars
    }

    /// Text cleaning removes U+0000, U+FFFD and the control, format and private-use characters
    /// (Cc, Cf, Co) except tab, newline and carriage return, which count as whitespace. Unassigned
    /// code points (Cn) stay: Hugging Face keeps them (and they become [UNK]).
    static func isDropped(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return scalar.value == 0 || scalar.value == 0xFFFD
        }
    }

    /// Unicode White_Space (tab, newline and carriage return included).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    /// The CJK Unified Ideographs blocks and their extensions, with Hugging Face's exact ranges
    /// (Hangul, kana and CJK punctuation are not among them).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B920...0x2CEAF,
            0xF900...0xFAFF, 0x2F800...0x2FA1F:
            true
        default:
            false
        }
    }
}
