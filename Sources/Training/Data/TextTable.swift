import Foundation
import Tensors

/// A labelled text file read a row of named fields at a time: CSV (header row required), TSV
/// (header row, or else the legacy `label<TAB>text` lines), or JSON Lines (one object a line). The
/// file is memory-mapped, and a row can be read again from where it starts (`row(at:line:)`), so
/// examples can refer to their text instead of holding it: a file larger than memory is paged in
/// as batches read it. Each row keeps the physical line where it starts.
final class TextTable: Sendable {
    /// One field's value: text from CSV and TSV, any JSON value from JSON Lines.
    enum Value: Decodable, Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case list([Value])
        case object
        case null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([Value].self) { self = .list(value) }
            else { _ = try container.decode([String: Value].self); self = .object }
        }

        /// As a label: a string as is, an integral number without its `.0`.
        var label: String? {
            switch self {
            case .string(let text): text
            case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
            case .bool(let value): String(value)
            case .list, .object, .null: nil
            }
        }
    }

    struct Row {
        let line: Int
        /// Where the row starts in the file.
        let offset: Int
        let fields: [String: Value]
    }

    let path: String
    let format: Format
    /// Column names: the header's, or the keys JSON objects use, in order of first appearance.
    let columns: [String]
    /// Whether this is a legacy `label<TAB>text` file (no header).
    let legacy: Bool
    private let file: MappedFile
    /// Where the rows begin (after a byte-order mark and the header), and on which line.
    private let bodyStart: Int, bodyLine: Int

    enum Format: String, Sendable { case csv, tsv, jsonl }

    static func format(of path: String) -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": .csv
        case "jsonl", "ndjson": .jsonl
        default: .tsv
        }
    }

    /// Opens `path` and reads its header (a JSON Lines file: the keys of every object, a first pass;
    /// a line that is not a JSON object is left to `forEachRow`).
    init(path: String, options: DataOptions) throws(DataError) {
        let file: MappedFile, format = Self.format(of: path)
        do { file = try MappedFile(path: path) } catch { throw .unreadable(path, reason: error.message) }
        (self.path, self.format, self.file) = (path, format, file)
        let bytes = file.bytes
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        switch format {
        case .jsonl:
            var columns = [String](), seen = Set<String>()
            let decoder = JSONDecoder()
            try Self.forEachLine(bytes, from: start) { (_, _, line) throws(DataError) in
                guard let object = try? decoder.decode([String: Value].self, from: Data(line)) else { return }
                for key in object.keys.sorted() where seen.insert(key).inserted { columns.append(key) }
            }
            (self.columns, legacy, bodyStart, bodyLine) = (columns, false, start, 1)
        case .csv, .tsv:
            let reader = Self.records(format, path: path)
            var (index, line) = (start, 1), first: DelimitedRecords.Record?
            while first == nil && index < bytes.count { (first, index, line) = try reader.record(in: bytes, at: index, line: line) }
            guard let header = first else { throw .empty(path, expected: format == .csv ? "a header row and records" : "label<TAB>text lines") }
            let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if format == .tsv && !Self.isHeader(names, options: options) {
                (columns, legacy, bodyStart, bodyLine) = (["label", "text"], true, header.offset, header.line)
            } else {
                (columns, legacy, bodyStart, bodyLine) = (names, false, index, line)
            }
        }
    }

    /// Calls `body` with every row, in order; a ragged row or a line that is not a JSON object goes
    /// to `bad` with its line and what is wrong (which throws, or records it and lets the rest run).
    func forEachRow(bad: (Int, String) throws(DataError) -> Void, _ body: (Row) throws(DataError) -> Void) throws(DataError) {
        switch format {
        case .jsonl:
            let decoder = JSONDecoder()
            try Self.forEachLine(file.bytes, from: bodyStart) { (offset, number, line) throws(DataError) in
                guard let row = jsonRow(line, offset: offset, line: number, decoder: decoder) else { return try bad(number, "not a JSON object") }
                try body(row)
            }
        case .csv, .tsv:
            try Self.records(format, path: path).forEach(in: file.bytes, from: bodyStart, line: bodyLine) { (record) throws(DataError) in
                switch row(record) {
                case .success(let row?): try body(row)
                case .success(nil): break
                case .failure(let problem): try bad(record.line, problem.description)
                }
            }
        }
    }

    /// The row that starts at `offset` on `line` (as `forEachRow` gave it).
    func row(at offset: Int, line: Int) throws(DataError) -> Row {
        switch format {
        case .jsonl:
            let bytes = file.bytes, end = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if let row = jsonRow(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), offset: offset, line: line) { return row }
        case .csv, .tsv:
            if let record = try Self.records(format, path: path).record(in: file.bytes, at: offset, line: line).record, case .success(let row?) = row(record) {
                return row
            }
        }
        throw changed(line: line)
    }

    /// The error for a row that no longer reads as it did (the file changed while zoo used it).
    func changed(line: Int) -> DataError {
        .malformed(path, line: line, reason: "the row cannot be read again: the file changed while zoo used it")
    }

    private func jsonRow(_ line: UnsafeRawBufferPointer, offset: Int, line number: Int, decoder: JSONDecoder = JSONDecoder()) -> Row? {
        guard let object = try? decoder.decode([String: Value].self, from: Data(line)) else { return nil }
        return Row(line: number, offset: offset, fields: object)
    }

    /// A CSV/TSV record as a row (nil: a legacy line of whitespace, no row), or why it is not one.
    private func row(_ record: DelimitedRecords.Record) -> Result<Row?, TextTableProblem> {
        if legacy {
            guard record.fields.contains(where: { !$0.allSatisfy(\.isWhitespace) }) else { return .success(nil) }
            guard record.fields.count >= 2 else { return .failure(TextTableProblem("no tab between label and text (expected label<TAB>text, or a header row)")) }
            return .success(Row(line: record.line, offset: record.offset, fields: ["label": .string(record.fields[0]), "text": .string(record.fields[1...].joined(separator: "\t"))]))
        }
        guard record.fields.count == columns.count else { return .failure(TextTableProblem("\(record.fields.count) fields, the header has \(columns.count)")) }
        return .success(Row(line: record.line, offset: record.offset, fields: Dictionary(zip(columns, record.fields.map(Value.string)), uniquingKeysWith: { first, _ in first })))
    }

    private static func records(_ format: Format, path: String) -> DelimitedRecords {
        DelimitedRecords(separator: UInt8(ascii: format == .csv ? "," : "\t"), quoted: format == .csv, path: path)
    }

    /// Calls `body` with each non-blank line from `start`: its offset, 1-based number and bytes (no newline).
    private static func forEachLine(
        _ bytes: UnsafeRawBufferPointer, from start: Int, _ body: (Int, Int, UnsafeRawBufferPointer) throws(DataError) -> Void
    ) throws(DataError) {
        var (offset, number) = (start, 1)
        while offset < bytes.count {
            let end = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
            if line.contains(where: { !($0 == 32 || $0 == 9 || $0 == 13) }) { try body(offset, number, line) }
            (offset, number) = (end + 1, number + 1)
        }
    }

    /// Whether a TSV's first line names a label column and a text column.
    static func isHeader(_ names: [String], options: DataOptions) -> Bool {
        let labels = options.labelColumn.map { $0.split(separator: ",").map(String.init) } ?? DataOptions.labelColumns
        let texts = options.textColumn.map { [$0] } ?? DataOptions.textColumns
        return names.contains(where: labels.contains) && names.contains(where: texts.contains)
    }
}

/// Why a record is not a row (a `Result` failure).
struct TextTableProblem: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
