import Foundation
import ModelZoo

/// `zoo advise --model` and `--exclude` take any name `ModelNames` resolves (a Hugging Face id, a
/// torchvision weight, a timm name, a hyphenated variant): the flags are rewritten into the
/// registry model and family names the task draft checks. A name nothing resolves is left as given,
/// for the draft to refuse with the closest names.
enum TaskFlagNames {
    static func canonical(_ flags: [String], names: ModelNames) -> [String] {
        var rewritten: [String] = [], pending: DraftField?
        for flag in flags {
            if let field = pending {
                rewritten.append(canonical(flag, field, names))
                pending = nil
                continue
            }
            let parts = flag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let field = [DraftField.model, .exclude].first(where: { $0.flag == parts[0] }) else {
                rewritten.append(flag)
                continue
            }
            if parts.count == 2 { rewritten.append(parts[0] + "=" + canonical(parts[1], field, names)) } else { rewritten.append(flag); pending = field }
        }
        return rewritten
    }

    /// A model's registry name, or each excluded entry's family (a model name stands for its family).
    private static func canonical(_ value: String, _ field: DraftField, _ names: ModelNames) -> String {
        if field == .model { return names.model(named: value)?.name ?? value }
        return value.split(separator: ",").map { entry in
            let entry = entry.trimmingCharacters(in: .whitespaces)
            return names.family(named: entry) ?? entry
        }.joined(separator: ",")
    }
}
