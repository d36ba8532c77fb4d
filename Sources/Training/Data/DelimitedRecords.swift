/// Splits CSV (RFC 4180) or TSV bytes into records of fields, each with the 1-based physical line
/// where it starts. CSV fields may be quoted: `""` in a quoted field is one `"`, and separators,
/// CR and LF inside quotes are part of the field. TSV fields are never quoted. Records end at LF or
/// CRLF; blank lines are no records.
enum DelimitedRecords {
    struct Record {
        let line: Int
        let fields: [String]
    }

    static func parse(_ bytes: [UInt8], separator: UInt8, quoted: Bool, path: String) throws(DataError) -> [Record] {
        let (quote, newline, carriageReturn) = (UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r"))
        var records = [Record]()
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        let end = bytes.count
        while index < end {
            let start = line
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
                fields.append(String(decoding: field, as: UTF8.self))
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
            if fields.count == 1 && fields[0].isEmpty && !wasQuoted { continue }
            records.append(Record(line: start, fields: fields))
        }
        return records
    }
}
