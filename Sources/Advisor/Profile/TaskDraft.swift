import Architectures
import Foundation
import Tensors
import Yams
import Plans

/// A task request as given so far, from a task file, flags or prompts: each `DraftField`'s value
/// in canonical text form, checked as it is set. `resolve()` turns it into a validated
/// `AdviceRequest`; `merging(_:)` lets flags override a file.
public struct TaskDraft: Equatable, Sendable {
    public private(set) var values: [DraftField: String] = [:]

    public init() {}

    public subscript(field: DraftField) -> String? { values[field] }

    /// Sets `field` from its text form; throws, leaving the draft unchanged, when it does not parse.
    public mutating func set(_ field: DraftField, _ text: String) throws(ProfileError) {
        let value = try field.canonical(text)
        if field == .task, let (modality, kind) = DraftField.taskAliases[value] {
            if let given = values[.modality], given != modality.rawValue {
                throw ProfileError("task", "'\(value)' is \(modality.rawValue) input, but the modality is \(given)")
            }
            values[.modality] = modality.rawValue
            values[.task] = kind.rawValue
        } else {
            values[field] = value
        }
    }

    public mutating func remove(_ field: DraftField) { values[field] = nil }

    /// This draft with every field `other` sets taken from `other` (flags over a task file).
    public func merging(_ other: TaskDraft) -> TaskDraft {
        var merged = self
        merged.values.merge(other.values) { _, new in new }
        return merged
    }

    /// Reads command-line flags: `--classes 37`, `--classes=37`, switches such as `--cpu-only`
    /// (alone: yes; or with a value, `--cpu-only no`, `--cpu-only=true`).
    public init(flags: [String]) throws(ProfileError) {
        let byFlag = Dictionary(uniqueKeysWithValues: DraftField.allCases.map { ($0.flag, $0) })
        var index = 0
        while index < flags.count {
            let argument = flags[index]
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let name = parts[0], inline = parts.count > 1 ? parts[1] : nil
            guard let field = byFlag[name] else {
                throw ProfileError(argument, "unknown flag\(ClosestNames.suggestion(for: name, among: DraftField.allCases.map(\.flag)))")
            }
            if let inline {
                try set(field, inline)
            } else if field.isSwitch {
                // A bare switch means yes; `--robustness no` gives its value as the next argument.
                let next = index + 1 < flags.count ? flags[index + 1] : nil
                if let next, (try? field.canonical(next)) != nil {
                    try set(field, next)
                    index += 1
                } else {
                    try set(field, "yes")
                }
            } else {
                guard index + 1 < flags.count else { throw ProfileError(field.rawValue, "\(field.flag) needs a value (\(field.expected))") }
                index += 1
                try set(field, flags[index])
            }
            index += 1
        }
    }

    /// Reads a YAML or JSON task file: a mapping from field names (`classes`, `max_latency_ms`, …)
    /// to values; lists are allowed for `examples_per_class` and `exclude`.
    public init(file path: String) throws(ProfileError) {
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(path) } catch { throw ProfileError(path, error.message) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ProfileError(path, "cannot be read as UTF-8 text") }
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch { throw ProfileError(path, "not valid YAML or JSON: \(error)") }
        guard let mapping = document as? [String: Any] else { throw ProfileError(path, "expected a mapping of field names to values") }
        for (key, value) in mapping.sorted(by: { $0.key < $1.key }) {
            guard let field = DraftField(rawValue: key) else {
                throw ProfileError(key, "unknown field in \(path)\(ClosestNames.suggestion(for: key, among: DraftField.allCases.map(\.rawValue)))")
            }
            try set(field, Self.text(of: value, field: field))
        }
    }

    /// A YAML scalar or list as the text the field parses.
    private static func text(of value: Any, field: DraftField) throws(ProfileError) -> String {
        switch value {
        case let list as [Any]: return try list.map { (item) throws(ProfileError) in try text(of: item, field: field) }.joined(separator: ",")
        case let flag as Bool: return flag ? "yes" : "no"
        case let number as Int: return String(number)
        case let number as Double: return String(number)
        case let string as String: return string
        default: throw ProfileError(field.rawValue, "expected \(field.expected)")
        }
    }
}
