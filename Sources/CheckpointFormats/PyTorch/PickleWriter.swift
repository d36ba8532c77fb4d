/// Emits a protocol-2 pickle opcode by opcode: just the few forms a state dict needs (globals,
/// calls, tuples, ints, strings), so the result loads under `torch.load(weights_only=True)`.
struct PickleWriter {
    private(set) var bytes: [UInt8] = [0x80, 2]  // PROTO 2

    /// GLOBAL of a qualified name ("torch._utils._rebuild_tensor_v2": module up to the last dot).
    mutating func global(_ qualified: String) {
        let dot = qualified.lastIndex(of: ".")!
        bytes += [0x63] + Array("\(qualified[..<dot])\n\(qualified[qualified.index(after: dot)...])\n".utf8)
    }
    mutating func mark() { bytes.append(0x28) }
    /// TUPLE: the items since the last mark.
    mutating func tuple() { bytes.append(0x74) }
    mutating func emptyTuple() { bytes.append(0x29) }
    /// REDUCE: calls the callable under the argument tuple on top of the stack.
    mutating func reduce() { bytes.append(0x52) }
    /// BINPERSID: the tuple on top of the stack is a persistent id (a torch storage reference).
    mutating func persistentID() { bytes.append(0x51) }
    /// SETITEMS: adds the key/value pairs since the last mark to the dict below it.
    mutating func setItems() { bytes.append(0x75) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 0x88 : 0x89) }
    mutating func stop() { bytes.append(0x2E) }

    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes += [0x58] + le(UInt32(utf8.count)) + utf8  // BINUNICODE
    }

    mutating func int(_ value: Int) {
        switch value {
        case 0..<0x100: bytes += [0x4B, UInt8(value)]  // BININT1
        case 0x100..<0x1_0000: bytes += [0x4D] + le(UInt16(value))  // BININT2
        case Int(Int32.min)...Int(Int32.max): bytes += [0x4A] + le(Int32(value))  // BININT
        default:  // LONG1: the shortest little-endian two's complement
            var digits = le(Int64(value))
            while digits.count > 1, (digits[digits.count - 1] == 0 && digits[digits.count - 2] < 0x80)
                || (digits[digits.count - 1] == 0xFF && digits[digits.count - 2] >= 0x80) {
                digits.removeLast()
            }
            bytes += [0x8A, UInt8(digits.count)] + digits
        }
    }

    /// A tuple of ints.
    mutating func ints(_ values: [Int]) {
        if values.isEmpty { return emptyTuple() }
        mark()
        values.forEach { int($0) }
        tuple()
    }
}
