import Architectures
import Plans

/// One setting of a task request, named the same in a task file (`max_latency_ms:`), on the
/// command line (`--max-latency-ms`) and in prompts. Each field parses its text form the same way
/// wherever it comes from.
public enum DraftField: String, CaseIterable, Sendable {
    case modality, task, classes, examples
    case examplesPerClass = "examples_per_class"
    case dataset, shift, robustness
    case maxLatencyMs = "max_latency_ms"
    case maxParameters = "max_parameters"
    case cpuOnly = "cpu_only"
    case budget, memory, model, exclude, objective

    /// The command-line flag.
    public var flag: String { "--" + rawValue.replacingOccurrences(of: "_", with: "-") }

    /// Flags that may stand alone, meaning yes, or take yes, no, true or false.
    public var isSwitch: Bool { self == .robustness || self == .cpuOnly }

    /// What the field expects, for prompts and errors.
    public var expected: String {
        switch self {
        case .modality: "image or text"
        case .task: TaskProfile.Kind.allCases.map(\.rawValue).joined(separator: ", ") + " (or image-classification, text-classification)"
        case .classes: "a whole number of classes (targets for regression)"
        case .examples, .maxParameters: "a positive count such as 3700, 25M or 3.5k"
        case .examplesPerClass: "comma-separated counts, one per class"
        case .dataset: "an image folder with one subfolder per class (or train/, val/, test/ of them), an IDX folder, or a CSV, TSV, JSONL or label<TAB>text file"
        case .shift: DomainShift.accepted
        case .robustness, .cpuOnly: "yes or no (true or false; the flag alone means yes)"
        case .maxLatencyMs: "milliseconds per example, such as 20"
        case .budget: "DEVICE:DURATION such as cpu:2h, gpu:a100:30m or 4xgpu:a100:8h"
        case .memory: "a memory size such as 512MB, 16GB or 16GiB"
        case .model: "a model: its registry name, or on the command line a Hugging Face id, torchvision weight or timm name"
        case .exclude: "comma-separated model families (on the command line, a model's name stands for its family)"
        case .objective: "accuracy (maximise accuracy) or cheapest (cheapest that is good enough)"
        }
    }

    /// The value in canonical text form, so that "20", "20.0" and a YAML number 20 compare equal;
    /// the error names the field and says what it expects.
    func canonical(_ text: String) throws(ProfileError) -> String {
        let text = text.trimmingCharacters(in: .whitespaces)
        func refuse(_ detail: String = "") -> ProfileError {
            ProfileError(rawValue, "'\(text)' is not valid\(detail) (expected \(expected))")
        }
        switch self {
        case .modality:
            guard let value = TaskProfile.Modality(rawValue: text.lowercased()) else { throw refuse() }
            return value.rawValue
        case .task:
            let lowered = text.lowercased()
            guard TaskProfile.Kind(rawValue: lowered) != nil || Self.taskAliases[lowered] != nil else { throw refuse() }
            return lowered
        case .classes:
            guard let value = Int(text), value >= 1 else { throw refuse() }
            return String(value)
        case .examples, .maxParameters:
            guard let value = Quantities.count(text) else { throw refuse() }
            return String(value)
        case .examplesPerClass:
            let counts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw refuse() }
            return counts.map { String($0!) }.joined(separator: ",")
        case .dataset:
            guard !text.isEmpty else { throw refuse() }
            return text
        case .model:
            // Any name users know a model by (a Hugging Face id, a torchvision weight, a timm name…), as its registry name.
            guard !text.isEmpty else { throw refuse() }
            let name = ModelNames.standard.model(named: text)?.name ?? text
            try Preferences(model: name).validate()
            return name
        case .shift:
            guard let value = DomainShift(text) else { throw refuse() }
            return value.description
        case .robustness, .cpuOnly:
            switch text.lowercased() {
            case "yes", "y", "true": return "yes"
            case "no", "n", "false": return "no"
            default: throw refuse()
            }
        case .maxLatencyMs:
            guard let value = Double(text), value > 0, value.isFinite else { throw refuse() }
            return String(value)
        case .budget:
            return try ComputeBudget(parsing: text).description
        case .memory:
            guard Quantities.bytes(text) != nil else { throw refuse() }
            return text.replacingOccurrences(of: " ", with: "")
        case .exclude:
            // A family, or a model's name standing for its family.
            let families = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map { ModelNames.standard.family(named: $0) ?? $0 }
            guard !families.isEmpty else { throw refuse() }
            try Preferences(excludedFamilies: families).validate()
            return families.joined(separator: ",")
        case .objective:
            guard let value = Preferences.Objective(rawValue: text.lowercased()) else { throw refuse() }
            return value.rawValue
        }
    }

    /// Task names that also fix the modality, as in `--task image-classification`.
    static let taskAliases: [String: (TaskProfile.Modality, TaskProfile.Kind)] = [
        "image-classification": (.image, .singleLabel),
        "text-classification": (.text, .singleLabel),
    ]
}
