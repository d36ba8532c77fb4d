import Foundation

/// Parsers for the quantities a task file, the flags and the prompts share: durations ("90s",
/// "30m", "2h", "1h30m", "1d"), memory sizes ("512MB", "16GB", "16GiB") and counts ("25M", "3.5k").
public enum Quantities {
    /// Seconds in a duration written as one or more number-unit pairs (units s, m, h, d).
    public static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var total = 0.0, number = "", parts = 0
        for character in text.lowercased() {
            if character.isNumber || character == "." {
                number.append(character)
            } else if let unit = units[character], let value = Double(number) {
                total += value * unit
                number = ""
                parts += 1
            } else {
                return nil
            }
        }
        guard number.isEmpty, parts > 0, total > 0, total.isFinite else { return nil }
        return total
    }

    /// Bytes in a memory size: a number and a unit, decimal (KB, MB, GB, TB) or binary (KiB, MiB,
    /// GiB, TiB). A unit is required so that "16" cannot be misread.
    public static func bytes(_ text: String) -> Int? {
        let units: [String: Double] = [
            "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let split = trimmed.firstIndex(where: { !$0.isNumber && $0 != "." }),
              let value = Double(trimmed[..<split]),
              let unit = units[trimmed[split...].trimmingCharacters(in: .whitespaces)] else { return nil }
        let bytes = value * unit
        guard bytes >= 1, bytes < 1e18 else { return nil }
        return Int(bytes)
    }

    /// A positive count, plain ("25000000") or with a k/M/B suffix ("25M", "3.5k").
    public static func count(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        let scales: [Character: Double] = ["k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9]
        let scale = trimmed.last.flatMap { scales[$0] }
        guard let value = Double(scale == nil ? trimmed : String(trimmed.dropLast())) else { return nil }
        let count = value * (scale ?? 1)
        guard count >= 1, count < 1e15, count == count.rounded() else { return nil }
        return Int(count)
    }

    /// 5400 → "1h30m", 95 → "1m35s", 0.25 → "0.25s": a duration as `seconds(_:)` reads it back.
    public static func text(seconds: Double) -> String {
        guard seconds >= 60 else { return seconds >= 10 ? "\(Int(seconds.rounded()))s" : String(format: "%.2gs", seconds) }
        let total = Int(seconds.rounded())
        let (days, hours, minutes, rest) = (total / 86400, total % 86400 / 3600, total % 3600 / 60, total % 60)
        let parts = [(days, "d"), (hours, "h"), (minutes, "m"), (rest, "s")].drop { $0.0 == 0 }
        // Two units are precise enough for an estimate.
        return parts.prefix(2).filter { $0.0 > 0 }.map { "\($0.0)\($0.1)" }.joined()
    }

    /// 90_900_000 → "86.7 MiB": binary units.
    public static func text(bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var size = Double(bytes), unit = 0
        while size >= 1024 && unit < units.count - 1 {
            size /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", size, units[unit])
    }

    /// 9408 → "9.4k", 25_557_032 → "25.6M", 512 → "512": a count as `count(_:)` reads it back (about).
    public static func text(count: Int) -> String {
        for (scale, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "k")] where Double(count) >= scale {
            return String(format: "%.1f", Double(count) / scale) + suffix
        }
        return String(count)
    }
}
