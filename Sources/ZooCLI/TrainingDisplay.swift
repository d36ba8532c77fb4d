import Foundation
import ModelZoo

/// How a fine-tune shows itself: on a terminal, a progress bar per phase (steps with the loss,
/// examples per second and time left; examples for feature caching) and a line per evaluation;
/// otherwise a line per evaluation and phase; with `--json`, every event as one JSON object per line.
final class TrainingDisplay: @unchecked Sendable {
    private let json: Bool
    private var bar: ProgressBar?
    private var phase = ""
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    init(json: Bool) { self.json = json }

    func show(_ event: TrainingEvent) {
        if json { return emit(event) }
        switch event {
        case .phase(let name):
            finish()
            phase = name
            Diagnostics.say("zoo: \(name)")
            bar = ProgressBar(label: name, unit: .count)
        case let .progress(done, total):
            bar?.update(done: done, total: total)
        case .step(let record):
            bar?.update(done: record.step, total: record.steps, note: String(format: "loss %.4f  %.0f ex/s", record.loss, record.examplesPerSecond))
        case .evaluation(let record):
            bar?.clear()
            let headline = ["accuracy", "mean_average_precision", "r2"].first { record.metrics.value(of: $0) != nil } ?? "loss"
            Diagnostics.say(String(format: "zoo: %@ step %d: validation loss %.4f, %@ %.4f", record.phase, record.step, record.metrics.loss, headline, record.metrics.value(of: headline) ?? .nan))
        case .note(let text):
            bar?.clear()
            Diagnostics.say("zoo: \(text)")
        }
    }

    func finish() {
        bar?.finish()
        bar = nil
    }

    private func emit(_ event: TrainingEvent) {
        let object: [String: Any]
        switch event {
        case .phase(let name): object = ["event": "phase", "name": name]
        case let .progress(done, total): object = ["event": "progress", "done": done, "total": total]
        case .step(let record): object = ["event": "step", "record": encoded(record)]
        case .evaluation(let record): object = ["event": "evaluation", "record": encoded(record)]
        case .note(let text): object = ["event": "note", "text": text]
        }
        if case .progress = event { return }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        print(String(decoding: data, as: UTF8.self))
    }

    private func encoded(_ value: some Encodable) -> Any {
        (try? encoder.encode(value)).flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? NSNull()
    }
}
