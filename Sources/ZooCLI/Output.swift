import Foundation
import ModelZoo

/// Plain-text tables for people: aligned columns, a rule under the header, an optional total row.
struct Table {
    let header: [String]
    let rightAligned: Set<Int>
    let rows: [[String]]
    var footer: [String]? = nil

    var rendered: String {
        let all = [header] + rows + (footer.map { [$0] } ?? [])
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingWhitespace
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        var lines = [line(header), rule] + rows.map(line)
        if let footer { lines += [rule, line(footer)] }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string without its trailing whitespace, in time linear in that whitespace (a regular
    /// expression `\s+$` retries at every space of a long run: minutes for a 100,000-character name).
    var trimmingTrailingWhitespace: String {
        guard let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[...last])
    }
}

/// `label  value` lines with the values aligned, for one record.
func fieldLines(_ fields: [[String]]) -> [String] {
    let width = fields.map { $0[0].count }.max() ?? 0
    return fields.map { "  " + $0[0] + String(repeating: " ", count: width - $0[0].count) + "  " + $0[1] }
}

/// Prints `fieldLines(fields)`.
func printFields(_ fields: [[String]]) { fieldLines(fields).forEach { print($0) } }

/// Number formatting shared by every command.
enum Format {
    /// 1234567 → "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// 90_900_000 → "86.7 MiB".
    static func bytes(_ value: Int) -> String { Quantities.text(bytes: value) }

    /// `42s`, `3m07s`, `1h02m`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, whole / 60 % 60)
    }

    /// Parses "25M", "1.5B", "300K" or "4000000" into a count.
    static func parseCount(_ text: String) -> Int? {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        let scales: [Character: Double] = ["k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9]
        if let last = lower.last, let scale = scales[last], let number = Double(lower.dropLast()), number >= 0 {
            let count = number * scale
            return count < 9e18 ? Int(count) : nil  // "1e300M" and "infK" are no counts (Int would trap)
        }
        return Int(lower).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Parses "2GB", "500MiB", "1.5G", "4096" into bytes (decimal and binary units both accepted).
    static func parseBytes(_ text: String) -> Int? {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        let kib = 1024.0, mib = kib * kib, gib = mib * kib, tib = gib * kib
        let units: [(String, Double)] = [
            ("kib", kib), ("mib", mib), ("gib", gib), ("tib", tib), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
            ("k", kib), ("m", mib), ("g", gib), ("t", tib), ("b", 1),
        ]
        for (suffix, scale) in units where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number > 0 else { return nil }
            // Whole bytes, at least one: "0.5b" is no size (a shard of 0 bytes would hold nothing).
            let bytes = (number * scale).rounded(.down)
            return bytes >= 1 && bytes < 9e18 ? Int(bytes) : nil
        }
        return Int(lower).flatMap { $0 > 0 ? $0 : nil }
    }
}

/// Pretty JSON with sorted snake_case keys on standard output, as plan.json is: every command's
/// `--json` (docs/json-output.md). Dictionary keys (tensor names, metadata) are written as they are.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// A one-line progress bar on standard error, drawn only when it is a terminal: a fraction,
/// the amount done in bytes or counts, the rate, the time left and a note (a training loss).
final class ProgressBar {
    enum Unit { case bytes, count }

    private let label: String
    private let unit: Unit
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(label: String, unit: Unit = .bytes, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.unit = unit
        self.enabled = enabled && !Diagnostics.quiet
    }

    func update(done: Int, total: Int, note: String = "") {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = Date()
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 30, filled = Int(fraction * Double(width))
        let elapsed = max(Date().timeIntervalSince(start), 1e-3), rate = Double(done) / elapsed
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let amount = unit == .bytes
            ? "\(Format.bytes(done))/\(Format.bytes(total))  \(Format.bytes(Int(rate)))/s"
            : "\(done)/\(total)  ETA \(Format.duration(rate > 0 ? Double(total - done) / rate : 0))"
        let line = "\r\u{1B}[K\(label) \(bar) \(Int(fraction * 100))%  \(amount)" + (note.isEmpty ? "" : "  " + note)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the line (before other output), to be drawn again by the next update.
    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        lastDraw = .distantPast
    }

    func finish() { clear() }
}
