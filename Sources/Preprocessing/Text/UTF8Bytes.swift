extension Sequence<Unicode.Scalar> {
    /// The UTF-8 encoding of these scalars: the form vocabularies are keyed by.
    var utf8Bytes: [UInt8] {
        var bytes: [UInt8] = []
        for scalar in self { UTF8.encode(scalar) { bytes.append($0) } }
        return bytes
    }
}
