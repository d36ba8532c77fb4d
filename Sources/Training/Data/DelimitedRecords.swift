/// Reads CSV (RFC 4180) or TSV records one at a time from bytes, each with the 1-based physical
/// line where it starts. CSV fields may be quoted: `""` in a quoted field is one `"`, and
/// separators, CR and LF inside quotes are part of the field. TSV fields are never quoted. Records
/// end at LF or CRLF; blank lines are no records. A field that is not valid UTF-8 is an error at
/// its record's line.
struct DelimitedRecords {
    struct Record {
        let line: Int
        /// Where the record starts in the bytes.
        let offset: Int
        let fields: [String]
    }

    let separator: UInt8
    let quoted: Bool
    let path: String

    /// The record starting at byte `index` (on line `line`), or nil for a blank line, and where
    /// the next one starts.
    func record(in bytes: UnsafeRawBufferPointer, at index: Int, line: Int) throws(DataError) -> (record: Record?, next: Int, nextLine: Int) {
        let (quote, newline, carriageReturn) = (UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r"))
        let end = bytes.count
        var index = index, line = line
        let (start, offset) = (line, index)
        var fields = [String](), field = [UInt8](), wasQuoted = false
        while true {
            if quoted && index < end && bytes[index] == quote {
                wasQuoted = true
                index += 1
                while true {
                    guard index < end else { throw .malformed(path, line: start, reason: "a quoted field is never closed") }
                    let byte = bytes[index]
                    index += 1
                    if byte == quote {
                        guard index < end, bytes[index] == quote else { break }
                        index += 1
                    } else if byte == newline {
                        line += 1
                    }
                    field.append(byte)
                }
            }
            // Unquoted text, or anything between a closing quote and the separator (kept, as Python's csv does).
            while index < end, bytes[index] != separator, bytes[index] != newline,
                  !(bytes[index] == carriageReturn && index + 1 < end && bytes[index + 1] == newline) {
                field.append(bytes[index])
                index += 1
            }
            guard let text = String(validating: field, as: UTF8.self) else { throw .malformed(path, line: start, reason: "not valid UTF-8 text") }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            guard index < end else { break }
            if bytes[index] == separator {
                index += 1
                continue
            }
            index += bytes[index] == carriageReturn ? 2 : 1
            line += 1
            break
        }
        let blank = fields.count == 1 && fields[0].isEmpty && !wasQuoted
        return (blank ? nil : Record(line: start, offset: offset, fields: fields), index, line)
    }

    /// Calls `body` with every record from byte `index` (line `line`) to the end.
    func forEach(in bytes: UnsafeRawBufferPointer, from index: Int, line: Int, _ body: (Record) throws(DataError) -> Void) throws(DataError) {
        var (index, line) = (index, line)
        while index < bytes.count {
            let (record, next, nextLine) = try record(in: bytes, at: index, line: line)
            if let record { try body(record) }
            (index, line) = (next, nextLine)
        }
    }
}
