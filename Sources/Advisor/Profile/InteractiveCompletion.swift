import Foundation
import Plans

/// Where interactive questions go and answers come from: the terminal in `zoo advise
/// --interactive`, a script of answers in tests.
public protocol Dialogue: AnyObject {
    /// Shows `prompt` and returns the answer line, or nil at end of input.
    func ask(_ prompt: String) -> String?
    /// Shows a line (an error to correct).
    func tell(_ line: String)
}

/// Standard input and output.
public final class TerminalDialogue: Dialogue {
    public init() {}

    public func ask(_ prompt: String) -> String? {
        // Unbuffered, so the prompt shows before the answer is read.
        FileHandle.standardOutput.write(Data((prompt + " ").utf8))
        return readLine()
    }

    public func tell(_ line: String) { print(line) }
}

/// Completes a draft by asking only for what it lacks, offering a default where there is one,
/// and asking again after an answer that does not parse or does not fit the rest of the request.
public enum InteractiveCompletion {
    /// The questions in the order asked, with the answer an empty line gives (nil: no default).
    static let questions: [(field: DraftField, fallback: String?)] = [
        (.modality, nil), (.task, "single-label"), (.classes, nil), (.examples, nil),
        (.shift, "unknown"), (.robustness, "no"), (.budget, "cpu:1h"), (.objective, "accuracy"),
    ]

    /// The completed, validated request. Throws when the input ends before it is complete.
    public static func complete(_ draft: TaskDraft, dialogue: any Dialogue) throws(ProfileError) -> AdviceRequest {
        var draft = draft
        while true {
            for (field, fallback) in questions where draft[field] == nil && needs(field, draft) {
                try ask(field, fallback: fallback, into: &draft, dialogue: dialogue)
            }
            do {
                return try draft.resolve()
            } catch {
                // An answer that parsed but does not fit the others (2 classes given 3 counts…):
                // say why and ask that field again; errors in fields not asked here stand.
                guard let field = DraftField(rawValue: error.field), questions.contains(where: { $0.field == field }) else { throw error }
                dialogue.tell(error.description)
                draft.remove(field)
            }
        }
    }

    /// A dataset answers modality, classes and examples; other fields are asked when unset.
    private static func needs(_ field: DraftField, _ draft: TaskDraft) -> Bool {
        draft[.dataset] == nil || ![.modality, .classes, .examples].contains(field)
    }

    private static func ask(_ field: DraftField, fallback: String?, into draft: inout TaskDraft, dialogue: any Dialogue) throws(ProfileError) {
        let prompt = "\(field.rawValue) (\(field.expected))" + (fallback.map { " [\($0)]" } ?? "") + ":"
        while true {
            guard let line = dialogue.ask(prompt) else { throw ProfileError(field.rawValue, "no answer: the input ended") }
            let answer = line.trimmingCharacters(in: .whitespaces)
            guard let text = answer.isEmpty ? fallback : answer else {
                dialogue.tell("\(field.rawValue): an answer is needed")
                continue
            }
            do {
                try draft.set(field, text)
                return
            } catch {
                dialogue.tell(error.description)
            }
        }
    }
}
