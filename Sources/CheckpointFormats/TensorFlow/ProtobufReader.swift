/// Reads protobuf wire format: the few field shapes TensorBundle's header and entry messages use.
/// Every read is bounds-checked; a failure says what was being read.
struct ProtobufReader {
    enum Field {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(UnsafeRawBufferPointer)
        case fixed32(UInt32)
    }

    struct Malformed: Error { let what: String }

    private var cursor: ByteCursor

    init(_ bytes: UnsafeRawBufferPointer) { cursor = ByteCursor(bytes) }

    /// The next (field number, value), or nil at the end of the message.
    mutating func next() throws(Malformed) -> (number: Int, field: Field)? {
        guard cursor.remaining > 0 else { return nil }
        guard let tag = cursor.varint() else { throw Malformed(what: "a field tag runs past the record") }
        let number = Int(tag >> 3)
        guard number > 0, number < 1 << 29 else { throw Malformed(what: "field number \(tag >> 3)") }
        switch tag & 7 {
        case 0:
            guard let value = cursor.varint() else { throw Malformed(what: "field \(number)'s varint runs past the record") }
            return (number, .varint(value))
        case 1:
            guard let value = cursor.read(UInt64.self) else { throw Malformed(what: "field \(number)'s 8 bytes run past the record") }
            return (number, .fixed64(value))
        case 2:
            guard let length = cursor.varint(), length <= UInt64(cursor.remaining), let bytes = cursor.take(Int(length)) else {
                throw Malformed(what: "field \(number)'s length runs past the record")
            }
            return (number, .bytes(bytes))
        case 5:
            guard let value = cursor.read(UInt32.self) else { throw Malformed(what: "field \(number)'s 4 bytes run past the record") }
            return (number, .fixed32(value))
        default:
            throw Malformed(what: "field \(number) has wire type \(tag & 7)")
        }
    }
}

extension ProtobufReader.Field {
    /// The value as a varint field, or a `Malformed` naming the field and what it was.
    func varint(_ name: String) throws(ProtobufReader.Malformed) -> UInt64 {
        guard case .varint(let value) = self else { throw ProtobufReader.Malformed(what: "\(name) is not a varint") }
        return value
    }

    func bytes(_ name: String) throws(ProtobufReader.Malformed) -> UnsafeRawBufferPointer {
        guard case .bytes(let value) = self else { throw ProtobufReader.Malformed(what: "\(name) is not length-delimited") }
        return value
    }
}

extension ByteCursor {
    /// A base-128 varint of at most 10 bytes.
    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard let byte = read(UInt8.self) else { return nil }
            if shift == 63 && byte > 1 { return nil }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        return nil
    }
}
