/// Reads a vocab.json (a JSON object of token → id) by hand rather than with JSONSerialization,
/// so that every entry keeps its line for error messages and a token listed twice is reported
/// instead of silently overwritten.
struct VocabularyJSON {
    private let file: TextFile
    private var position = 0
    private var line = 1

    /// The entries of `file`, in file order.
    static func entries(of file: TextFile) throws(TokenizerError) -> [(token: [UInt8], id: Int, line: Int)] {
        var reader = VocabularyJSON(file: file)
        return try reader.object()
    }

    private init(file: TextFile) { self.file = file }

    private mutating func object() throws(TokenizerError) -> [(token: [UInt8], id: Int, line: Int)] {
        var entries: [(token: [UInt8], id: Int, line: Int)] = []
        skipWhitespace()
        guard take() == UInt8(ascii: "{") else { throw problem("expected a JSON object of token → id") }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                let entryLine = line
                let token = try string()
                skipWhitespace()
                guard take() == UInt8(ascii: ":") else { throw problem("expected ':' after a token") }
                skipWhitespace()
                entries.append((token, try id(of: token), entryLine))
                skipWhitespace()
                let separator = take()
                if separator == UInt8(ascii: "}") { break }
                guard separator == UInt8(ascii: ",") else { throw problem("expected ',' or '}' after an id") }
            }
        }
        skipWhitespace()
        guard position == file.bytes.count else { throw problem("unexpected text after the object") }
        return entries
    }

    /// A JSON string's UTF-8 bytes, escapes resolved.
    private mutating func string() throws(TokenizerError) -> [UInt8] {
        guard take() == UInt8(ascii: "\"") else { throw problem("expected a token in double quotes") }
        var bytes: [UInt8] = []
        while let byte = take() {
            switch byte {
            case UInt8(ascii: "\""):
                return bytes
            case UInt8(ascii: "\\"):
                bytes += try escape()
            case ..<0x20:
                throw problem("control character in a token (JSON requires an escape)")
            default:
                bytes.append(byte)
            }
        }
        throw problem("unterminated token")
    }

    /// The bytes an escape sequence (after its backslash) stands for.
    private mutating func escape() throws(TokenizerError) -> [UInt8] {
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
            UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        guard let letter = take() else { throw problem("unterminated token") }
        if let byte = simple[letter] { return [byte] }
        guard letter == UInt8(ascii: "u") else { throw problem("invalid escape '\\\(Unicode.Scalar(letter))'") }
        var value = try hex4()
        if (0xD800..<0xDC00).contains(value) {
            guard take() == UInt8(ascii: "\\"), take() == UInt8(ascii: "u") else { throw problem("unpaired surrogate escape") }
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw problem("unpaired surrogate escape") }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw problem("unpaired surrogate escape") }
        return Array(String(scalar).utf8)
    }

    private mutating func hex4() throws(TokenizerError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = take(), let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                throw problem("expected four hexadecimal digits after '\\u'")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// A non-negative integer id (no sign, fraction or exponent).
    private mutating func id(of token: [UInt8]) throws(TokenizerError) -> Int {
        let start = position
        var value = 0
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { throw problem("the id of '\(String(decoding: token, as: UTF8.self))' is too large") }
            value = sum
            position += 1
        }
        let digits = position - start
        if digits == 0 || [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(peek() ?? 0) {
            throw problem("the id of '\(String(decoding: token, as: UTF8.self))' must be a non-negative integer")
        }
        return value
    }

    private func peek() -> UInt8? { position < file.bytes.count ? file.bytes[position] : nil }

    private mutating func take() -> UInt8? {
        guard let byte = peek() else { return nil }
        position += 1
        if byte == UInt8(ascii: "\n") { line += 1 }
        return byte
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), [0x20, 0x09, 0x0A, 0x0D].contains(byte) { _ = take() }
    }

    private func problem(_ reason: String) -> TokenizerError {
        .malformedLine(file: file.path, line: line, reason: reason)
    }
}
