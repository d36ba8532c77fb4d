import ArgumentParser
import Foundation
import ModelZoo

/// `zoo verify FILE`: a strict account of every tensor against a registry model in a convention.
struct Verify: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a checkpoint strictly against a registry model: matched, missing, unexpected, mis-shaped, wrong dtype.",
        discussion: """
            Without --model / --convention the reading `zoo identify` finds is checked. Optimizer slots, step \
            counters and EMA copies are listed as extras; any other tensor the model does not have is unexpected. \
            --check-outputs runs forward passes on a fixed input: it measures how the convention's own computation \
            (batch-norm ε, padding, ResNet v1 strides, GELU form) changes the outputs, and with --against compares \
            this file's outputs with another checkpoint's (e.g. the source of a conversion).

            Exit 6 when a tensor is missing, mis-shaped, of the wrong dtype or unexpected, or when the outputs \
            differ from --against's.

            \(ExitStatus.summary)
            """)

    @Argument(help: "The checkpoint to check.")
    var file: String

    @Option(help: "The model it should be, by any name zoo models show takes (default: identified).")
    var model: String?

    @Option(help: "The convention it should use (default: identified).")
    var convention: Convention?

    @Flag(help: "Run forward passes on a fixed input (see above).")
    var checkOutputs = false

    @Option(help: "With --check-outputs: another checkpoint of the same model whose outputs this one must reproduce.")
    var against: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if against != nil && !checkOutputs { throw ValidationError("--against needs --check-outputs") }
    }

    func run() throws {
        let reader = try Checkpoint.open(file)
        let other = try against.map(Checkpoint.open)
        let model = try model.map { try ModelNames.standard.resolve($0).name }
        let result = try Verifier.verify(reader, model: model, convention: convention, checkOutputs: checkOutputs, against: other)
        if json { try printJSON(VerificationReport(result)) } else { printReport(result) }
        if !result.passes { throw VerificationFailed(file: file) }
    }

    private func printReport(_ result: Verification) {
        let r = result.reading
        print("\(file): \(IdentificationReport.summary(r))")
        printFields([
            ["matched", "\(r.matched.count)"],
            ["missing", list(r.missing)],
            ["mis-shaped", list(r.misshaped.map { "\($0.name) \($0.found) (expected \($0.expected))" })],
            ["wrong dtype", list(result.wrongDType.map { "\($0.name) \($0.found.rawValue) (expected \($0.expected))" })],
            ["unexpected", list(r.unexpected)],
            ["extras", IdentificationReport.extrasSummary(result.extras)],
        ])
        if let against = result.against {
            print("\noutputs against \(self.against!): \(describe(against)) → \(against.isEquivalent ? "same function" : "DIFFERENT")")
        }
        for measured in result.differences {
            print("\(measured.differences.map(\.description).joined(separator: " + ")): changes the \(describe(measured.effect))")
        }
        if checkOutputs && result.differences.isEmpty && r.isComplete {
            print("\(r.convention) computes \(r.model) exactly as the registry's graph does")
        }
        print(result.passes ? "\nverified: every tensor accounted for" : "\nFAILED")
    }

    private func list(_ items: [String]) -> String {
        items.isEmpty ? "0" : "\(items.count): " + items.prefix(6).joined(separator: ", ") + (items.count > 6 ? ", …" : "")
    }
}

/// `describe` for an output comparison: difference, scale and top-1 agreement.
func describe(_ comparison: OutputComparison) -> String {
    var text = "\(comparison.output) by max |Δ| \(String(format: "%.3g", comparison.maxAbsoluteDifference)) (largest value \(String(format: "%.3g", comparison.scale)))"
    if let agreement = comparison.top1Agreement { text += ", top-1 agrees on \(Int(agreement * 100))% of the fixed inputs" }
    return text
}

/// A verification that found problems (exit 6); the report has already been printed.
struct VerificationFailed: Error, CustomStringConvertible {
    let file: String
    var description: String { "\(file) does not match the model (see the report above)" }
}

/// `zoo verify --json`.
struct VerificationReport: Encodable {
    struct Measured: Encodable {
        let differences: [String]
        let effect: OutputComparison
    }

    let reading: IdentificationReport.Reading
    let wrongDtype: [Verification.WrongDType]
    let extras: [ExtraTensor]
    let against: OutputComparison?
    let differences: [Measured]
    let passes: Bool

    init(_ result: Verification) {
        reading = .init(result.reading)
        wrongDtype = result.wrongDType
        extras = result.extras
        against = result.against
        differences = result.differences.map { Measured(differences: $0.differences.map(\.description), effect: $0.effect) }
        passes = result.passes
    }
}
