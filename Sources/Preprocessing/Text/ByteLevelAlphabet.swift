/// GPT-2's byte → character table, which lets a byte-level BPE vocabulary spell every byte
/// sequence with printable characters: bytes 33–126, 161–172 and 174–255 stand for themselves,
/// the other 68 bytes, in increasing order, for U+0100, U+0101, … (the space, 32, is "Ġ", U+0120).
enum ByteLevelAlphabet {
    static let characters: [Unicode.Scalar] = {
        var next: UInt32 = 0x100
        return (0...255).map { byte in
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                return Unicode.Scalar(UInt8(byte))
            }
            defer { next += 1 }
            return Unicode.Scalar(next)!
        }
    }()
}
