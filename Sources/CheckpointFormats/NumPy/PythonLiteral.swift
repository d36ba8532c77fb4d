/// The subset of Python literal syntax a `.npy` header dict uses: a dict of string keys whose
/// values are strings, True/False, tuples of integers, or lists (structured dtypes, refused later).
struct PythonLiteral {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        /// A tuple with an integer too large for 64 bits.
        case overflowingTuple
        case list
    }

    let text: UnsafeRawBufferPointer
    let base: Int
    var position = 0

    init(text: UnsafeRawBufferPointer, base: Int) {
        self.text = text
        self.base = base
    }

    mutating func parseHeaderDict(file: String, tensor: String?) throws(NumPyError) -> [String: Value] {
        func fail(_ why: String) -> NumPyError { NumPyError(file: file, tensor: tensor, offset: base + position, .badHeader(why)) }
        var fields: [String: Value] = [:]
        guard consume("{") else { throw fail("expected '{'") }
        while true {
            if consume("}") { break }
            guard let key = string() else { throw fail("expected a quoted key") }
            guard consume(":") else { throw fail("expected ':' after '\(key)'") }
            guard let value = value() else { throw fail("unreadable value for '\(key)'") }
            guard fields.updateValue(value, forKey: key) == nil else { throw fail("key '\(key)' appears twice") }
            if consume(",") { continue }
            guard consume("}") else { throw fail("expected ',' or '}'") }
            break
        }
        skipSpace()
        guard position == text.count else { throw fail("unexpected text after the dict") }
        return fields
    }

    private mutating func skipSpace() {
        while position < text.count, [0x20, 0x0A, 0x0D, 0x09].contains(text[position]) { position += 1 }
    }

    private mutating func consume(_ character: Character) -> Bool {
        skipSpace()
        guard position < text.count, text[position] == character.asciiValue! else { return false }
        position += 1
        return true
    }

    private mutating func string() -> String? {
        skipSpace()
        guard position < text.count, text[position] == 0x27 || text[position] == 0x22 else { return nil }
        let quote = text[position]
        let start = position + 1
        guard let end = text[start...].firstIndex(of: quote) else { return nil }
        position = end + 1
        return String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
    }

    private mutating func word(_ word: String) -> Bool {
        skipSpace()
        let bytes = Array(word.utf8)
        guard position + bytes.count <= text.count, Array(text[position..<position + bytes.count]) == bytes else { return false }
        position += bytes.count
        return true
    }

    private mutating func value() -> Value? {
        if let text = string() { return .string(text) }
        if word("True") { return .bool(true) }
        if word("False") { return .bool(false) }
        if consume("(") {
            var dims: [Int] = [], overflow = false
            while !consume(")") {
                guard let dim = integer() else { return nil }
                if let dim { dims.append(dim) } else { overflow = true }
                if !consume(",") {
                    guard consume(")") else { return nil }
                    break
                }
            }
            return overflow ? .overflowingTuple : .tuple(dims)
        }
        if consume("[") { return skipToClosingBracket() ? .list : nil }
        return nil
    }

    /// Skips a (possibly nested) list up to its closing bracket, stepping over quoted strings.
    private mutating func skipToClosingBracket() -> Bool {
        var depth = 1
        while position < text.count {
            let byte = text[position]
            if byte == 0x27 || byte == 0x22 {
                guard string() != nil else { return false }
                continue
            }
            position += 1
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") { depth += 1 }
            if byte == UInt8(ascii: "]") || byte == UInt8(ascii: ")") { depth -= 1 }
            if depth == 0 { return true }
        }
        return false
    }

    /// A decimal integer, allowing a sign and Python 2's `L` suffix: nil when there is none,
    /// `.some(nil)` when it does not fit in 64 bits.
    private mutating func integer() -> Int?? {
        skipSpace()
        let start = position
        if position < text.count, text[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while position < text.count, (0x30...0x39).contains(text[position]) { position += 1 }
        guard position > digitsStart else { return nil }
        let digits = String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<position]), as: UTF8.self)
        if position < text.count, text[position] == UInt8(ascii: "L") { position += 1 }
        return .some(Int(digits))
    }
}
