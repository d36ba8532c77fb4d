import ArgumentParser
import Foundation
import ModelZoo

/// `zoo identify FILE`: which registry model and naming convention a bare checkpoint is.
struct Identify: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say which architecture and naming convention a checkpoint is, from its names and shapes alone.",
        discussion: """
            Reports the model, the convention (torchvision, timm, keras, keras3, huggingface, …), the number \
            of classes, the dtype, wrappers (module., nested dictionaries, other prefixes) and tensors that are \
            not weights (optimizer slots, step counters, EMA copies), with a confidence and the runner-up.

            Exit 0 when the file is identified, 2 when it is unreadable or no registry model fits it.

            \(ExitStatus.summary)
            """)

    @Argument(help: "The checkpoint (any format `zoo inspect` reads).")
    var file: String

    @Option(help: "Consider only this model (any name zoo models show takes).")
    var model: String?

    @Option(help: "Consider only this convention.")
    var convention: Convention?

    @Flag(help: "Print the result as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        let reader = try Checkpoint.open(file)
        let result = Identifier.identify(reader, model: try model.map { try ModelNames.standard.resolve($0).name }, convention: convention)
        if json { try printJSON(IdentificationReport(result)) } else { printTable(result) }
        guard let best = result.best, best.score >= 0.5 else {
            throw MappingError.unidentified(file: file, reason: result.best.map { "the closest reading, \($0.model) in \($0.convention), accounts for \(Int($0.score * 100))% of the tensors" } ?? "no registry model's names occur in it")
        }
    }

    private func printTable(_ result: Identification) {
        guard let best = result.best else {
            print("\(file): no registry model's tensor names found")
            return
        }
        let same = result.sameNames.isEmpty ? "" : " (names identical in \(result.sameNames.map(\.rawValue).joined(separator: ", ")))"
        var rows: [[String]] = [
            ["model", best.model],
            ["convention", best.convention.rawValue + same],
            ["head", best.classes.map { "\($0) outputs" } ?? "none (headless)"],
            ["dtype", result.dtypes.sorted { $0.value > $1.value }.map { "\($0.key.rawValue) ×\($0.value)" }.joined(separator: ", ")],
            ["wrappers", result.wrappers.isEmpty ? "none" : result.wrappers.joined(separator: "; ")],
            ["tensors", "\(best.matched.count) matched, \(best.missing.count) missing, \(best.misshaped.count) mis-shaped, \(best.unexpected.count) unexpected"],
            ["extras", IdentificationReport.extrasSummary(result.extras)],
            ["confidence", String(format: "%.1f%%", result.confidence * 100) + (result.isAmbiguous ? " (ambiguous)" : "")],
        ]
        if let runnerUp = result.runnerUp {
            rows.append(["runner-up", "\(runnerUp.model) in \(runnerUp.convention) (\(String(format: "%.1f%%", runnerUp.score * 100)))"])
        }
        print(file)
        printFields(rows)
        if !best.layout.differences.isEmpty {
            print("\n\(best.convention) computes \(best.model) differently from the registry's graph:")
            for difference in best.layout.differences { print("  • \(difference)") }
        }
    }
}

extension Convention: ExpressibleByArgument {}

/// `zoo identify --json`.
struct IdentificationReport: Encodable {
    struct Reading: Encodable {
        let model: String
        let convention: String
        let prefix: String
        let classes: Int?
        let score: Double
        let matched: Int
        let missing: [String]
        let misshaped: [Candidate.Misshaped]
        let unexpected: [String]
        let differences: [String]

        init(_ candidate: Candidate) {
            model = candidate.model
            convention = candidate.convention.rawValue
            prefix = candidate.prefix
            classes = candidate.classes
            score = candidate.score
            matched = candidate.matched.count
            missing = candidate.missing
            misshaped = candidate.misshaped
            unexpected = candidate.unexpected
            differences = candidate.layout.differences.map(\.description)
        }
    }

    let file: String
    let best: Reading?
    let runnerUp: Reading?
    let sameNames: [String]
    let ambiguous: Bool
    let dtypes: [String: Int]
    let wrappers: [String]
    let extras: [ExtraTensor]

    init(_ result: Identification) {
        file = result.file
        best = result.best.map(Reading.init)
        runnerUp = result.runnerUp.map(Reading.init)
        sameNames = result.sameNames.map(\.rawValue)
        ambiguous = result.isAmbiguous
        dtypes = Dictionary(uniqueKeysWithValues: result.dtypes.map { ($0.key.rawValue, $0.value) })
        wrappers = result.wrappers
        extras = result.extras
    }

    /// One line for a reading: `mobilenet_v2 in keras under 'module.', 1000-way head`.
    static func summary(_ reading: Candidate) -> String {
        "\(reading.model) in \(reading.convention)\(reading.prefix.isEmpty ? "" : " under '\(reading.prefix)'")"
            + (reading.classes.map { ", \($0)-way head" } ?? ", headless")
    }

    static func extrasSummary(_ extras: [ExtraTensor]) -> String {
        guard !extras.isEmpty else { return "none" }
        let counts = Dictionary(grouping: extras, by: \.kind).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
        return counts.joined(separator: ", ") + " (e.g. \(extras[0].name))"
    }
}
