import Foundation
import Tensors

/// A labelled text file read into rows of named fields: CSV (header row required), TSV (header
/// row, or else the legacy `label<TAB>text` lines), or JSON Lines (one object a line). Each row
/// keeps the physical line where it starts.
struct TextTable {
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
        let fields: [String: Value]
    }

    let path: String
    /// Column names: the header's, or the keys JSON objects use, in order of first appearance.
    let columns: [String]
    let rows: [Row]
    /// Whether this is a legacy `label<TAB>text` file (no header).
    let legacy: Bool

    enum Format: String { case csv, tsv, jsonl }

    static func format(of path: String) -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": .csv
        case "jsonl", "ndjson": .jsonl
        default: .tsv
        }
    }

    /// Reads `path`; a ragged row or unparsable line is an error naming its line, or with `skipBad` is listed in `skipped`.
    init(path: String, options: DataOptions, skipped: inout [SkippedExample]) throws(DataError) {
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(path) } catch { throw .unreadable(path, reason: error.message) }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .unreadable(path, reason: "not valid UTF-8 text") }
        self.path = path
        func bad(_ line: Int, _ reason: String) throws(DataError) {
            guard options.skipBad else { throw .malformed(path, line: line, reason: reason) }
            skipped.append(SkippedExample(origin: "\(path):\(line)", reason: reason))
        }
        switch Self.format(of: path) {
        case .jsonl:
            var columns = [String](), seen = Set<String>(), rows = [Row]()
            let decoder = JSONDecoder()
            for (number, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
                guard line.contains(where: { !($0 == 32 || $0 == 9 || $0 == 13) }) else { continue }
                guard let object = try? decoder.decode([String: Value].self, from: Data(line)) else {
                    try bad(number + 1, "not a JSON object")
                    continue
                }
                for key in object.keys.sorted() where seen.insert(key).inserted { columns.append(key) }
                rows.append(Row(line: number + 1, fields: object))
            }
            (self.columns, self.rows, legacy) = (columns, rows, false)
        case .csv, .tsv:
            let csv = Self.format(of: path) == .csv
            let records = try DelimitedRecords.parse(bytes, separator: UInt8(ascii: csv ? "," : "\t"), quoted: csv, path: path)
            guard let header = records.first else { throw .empty(path, expected: csv ? "a header row and records" : "label<TAB>text lines") }
            let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if !csv && !Self.isHeader(names, options: options) {
                var rows = [Row]()
                for record in records where record.fields.contains(where: { !$0.allSatisfy(\.isWhitespace) }) {
                    guard record.fields.count >= 2 else { try bad(record.line, "no tab between label and text (expected label<TAB>text, or a header row)"); continue }
                    rows.append(Row(line: record.line, fields: ["label": .string(record.fields[0]), "text": .string(record.fields[1...].joined(separator: "\t"))]))
                }
                (columns, self.rows, legacy) = (["label", "text"], rows, true)
                return
            }
            var rows = [Row]()
            for record in records.dropFirst() {
                guard record.fields.count == names.count else {
                    try bad(record.line, "\(record.fields.count) fields, the header has \(names.count)")
                    continue
                }
                rows.append(Row(line: record.line, fields: Dictionary(zip(names, record.fields.map(Value.string)), uniquingKeysWith: { first, _ in first })))
            }
            (columns, self.rows, legacy) = (names, rows, false)
        }
    }

    /// Whether a TSV's first line names a label column and a text column.
    static func isHeader(_ names: [String], options: DataOptions) -> Bool {
        let labels = options.labelColumn.map { $0.split(separator: ",").map(String.init) } ?? DataOptions.labelColumns
        let texts = options.textColumn.map { [$0] } ?? DataOptions.textColumns
        return names.contains(where: labels.contains) && names.contains(where: texts.contains)
    }
}
