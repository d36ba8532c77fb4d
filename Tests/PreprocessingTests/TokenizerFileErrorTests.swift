import Foundation
import Preprocessing
import TestSupport
import Testing

/// Malformed vocabulary and merges files: each error names the file and, where there is one, the
/// line to fix.
@Suite struct TokenizerFileErrorTests {
    let folder = try! TemporaryFolder()
    static let bertSpecials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    static let robertaSpecials = #""<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4"#

    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }

    func write(_ name: String, bytes: [UInt8]) -> String {
        let path = folder.file(name)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// The error `load` throws (nil if it loads).
    func error(_ load: () throws(TokenizerError) -> Void) -> TokenizerError? {
        do {
            try load()
            return nil
        } catch {
            return error
        }
    }

    func wordPieceError(file path: String) -> TokenizerError? {
        error { () throws(TokenizerError) in _ = try WordPieceTokenizer(vocabularyFile: path) }
    }

    func wordPieceError(_ vocabulary: String) -> TokenizerError? {
        wordPieceError(file: write("vocab.txt", vocabulary))
    }

    func bpeError(vocabulary: String, merges: String = "#version: 0.2\n") -> TokenizerError? {
        let vocabularyPath = write("vocab.json", vocabulary)
        let mergesPath = write("merges.txt", merges)
        return error { () throws(TokenizerError) in _ = try ByteLevelBPETokenizer(vocabularyFile: vocabularyPath, mergesFile: mergesPath) }
    }

    @Test func wellFormedFilesLoad() {
        #expect(wordPieceError(Self.bertSpecials + "hello\n##s\n") == nil)
        #expect(bpeError(vocabulary: "{\(Self.robertaSpecials), \"a\": 5, \"b\": 6, \"ab\": 7}", merges: "#version: 0.2\na b\n") == nil)
    }

    @Test func wordPieceDuplicateTokenNamesBothLines() {
        let problem = wordPieceError(Self.bertSpecials + "hello\nworld\nhello\n")
        #expect(problem == .duplicate(file: folder.file("vocab.txt"), line: 8, entry: "hello", firstLine: 6))
        #expect(problem?.description == "\(folder.file("vocab.txt")):8: 'hello' already appears on line 6")
    }

    @Test func wordPieceEmptyLine() {
        let problem = wordPieceError(Self.bertSpecials + "hello\n\nworld\n")
        #expect(problem == .malformedLine(file: folder.file("vocab.txt"), line: 7, reason: "empty token"))
    }

    @Test func wordPieceMissingSpecialToken() {
        let problem = wordPieceError("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n")
        #expect(problem == .missingSpecialToken(file: folder.file("vocab.txt"), token: "[MASK]"))
        #expect(problem?.description.hasPrefix(folder.file("vocab.txt")) == true)
    }

    @Test func unreadableFiles() {
        let missing = folder.file("absent.txt")
        guard case .unreadable(let file, _) = wordPieceError(file: missing) else {
            Issue.record("a missing file must be unreadable")
            return
        }
        #expect(file == missing)
        let latin1 = write("latin1.txt", bytes: Array(Self.bertSpecials.utf8) + [0x63, 0x61, 0x66, 0xE9, 0x0A])
        #expect(wordPieceError(file: latin1) == .unreadable(file: latin1, reason: "not valid UTF-8"))
    }

    @Test func mergesLineWithoutExactlyTwoParts() {
        let vocabulary = "{\(Self.robertaSpecials), \"a\": 5, \"b\": 6, \"ab\": 7}"
        let path = folder.file("merges.txt")
        for (merges, parts) in [("#version: 0.2\na b\na b ab\n", 3), ("#version: 0.2\na b\nab\n", 1), ("#version: 0.2\na b\na  b\n", 3)] {
            let problem = bpeError(vocabulary: vocabulary, merges: merges)
            let reason = "expected two tokens separated by one space, found \(parts) part(s)"
            #expect(problem == .malformedLine(file: path, line: 3, reason: reason))
            #expect(problem?.description.hasPrefix("\(path):3: ") == true)
        }
    }

    @Test func mergesTokenNotInVocabulary() {
        let vocabulary = "{\(Self.robertaSpecials), \"a\": 5, \"b\": 6}"
        #expect(
            bpeError(vocabulary: vocabulary, merges: "#version: 0.2\na b\n")
                == .malformedLine(file: folder.file("merges.txt"), line: 2, reason: "'ab' is not in \(folder.file("vocab.json"))"))
    }

    @Test func duplicateMerge() {
        let vocabulary = "{\(Self.robertaSpecials), \"a\": 5, \"b\": 6, \"ab\": 7}"
        #expect(
            bpeError(vocabulary: vocabulary, merges: "#version: 0.2\na b\r\na b\r\n")
                == .duplicate(file: folder.file("merges.txt"), line: 3, entry: "a b", firstLine: 2))
    }

    @Test func vocabularyJSONThatIsNotAnObjectOfStringToInteger() {
        let path = folder.file("vocab.json")
        let cases: [(String, Int, String)] = [
            ("[\"a\", \"b\"]", 1, "expected a JSON object of token → id"),
            ("{\n\(Self.robertaSpecials),\n\"a\": \"5\"\n}", 3, "the id of 'a' must be a non-negative integer"),
            ("{\n\(Self.robertaSpecials),\n\"a\": -5\n}", 3, "the id of 'a' must be a non-negative integer"),
            ("{\n\(Self.robertaSpecials),\n\"a\": 5.0\n}", 3, "the id of 'a' must be a non-negative integer"),
            ("{\n\(Self.robertaSpecials),\n\n7: 5\n}", 4, "expected a token in double quotes"),
            ("{\n\(Self.robertaSpecials)\n\"a\": 5\n}", 3, "expected ',' or '}' after an id"),
            ("{\n\(Self.robertaSpecials),\n\"a\\q\": 5\n}", 3, "invalid escape '\\q'"),
            ("{\n\(Self.robertaSpecials),\n\"a\": 5\n}\n[]", 5, "unexpected text after the object"),
        ]
        for (text, line, reason) in cases {
            #expect(bpeError(vocabulary: text) == .malformedLine(file: path, line: line, reason: reason), "\(text)")
        }
    }

    @Test func vocabularyJSONDuplicateToken() {
        // "\u00e9" and "é" are the same token; "e\u0301" is a different one (byte-exact tokens).
        let text = "{\n\(Self.robertaSpecials),\n\"é\": 5,\n\"e\u{301}\": 6,\n\"\\u00e9\": 7\n}"
        #expect(bpeError(vocabulary: text) == .duplicate(file: folder.file("vocab.json"), line: 5, entry: "é", firstLine: 3))
    }

    @Test func vocabularyJSONMissingSpecialToken() {
        let problem = bpeError(vocabulary: #"{"<s>": 0, "</s>": 2, "<unk>": 3, "<mask>": 4}"#)
        #expect(problem == .missingSpecialToken(file: folder.file("vocab.json"), token: "<pad>"))
    }
}
