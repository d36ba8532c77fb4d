import ArgumentParser
import Foundation
import ModelZoo

/// The `zoo` command: browse, convert and fine-tune pre-trained models.
struct Zoo: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "A model zoo for people who fine-tune: inspect, convert and run checkpoints, browse architectures, get fine-tuning advice.",
        discussion: ExitStatus.summary,
        version: version,
        subcommands: [Inspect.self, Identify.self, Verify.self, Convert.self, Models.self, Run.self, Score.self, Calibrate.self, Advise.self, Finetune.self, Evaluate.self, Export.self])
}

extension Zoo {
    /// What `zoo --version` prints: the version, the commit it was built from and the C libraries in
    /// use, which is what a bug report needs. Gathered only when asked for (libhdf5 initialises itself).
    static var versionReport: String {
        let libraries: [LinkedLibrary] = [.hdf5, .openBLAS, .libjpeg, .libpng, .zlib]
        let width = libraries.map(\.name.count).max() ?? 0
        let timeout = ProcessInfo.processInfo.environment[BLASThreadTimeout.variable].map { ", thread timeout 2^\($0) cycles" } ?? ""
        return (["zoo \(version) (commit \(buildCommit))"]
            + libraries.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.version + ($0.name == "OpenBLAS" ? timeout : "") })
            .joined(separator: "\n")
    }

    /// Whether `error` came from parsing the command line (ArgumentParser maps those to exit 64).
    static func isArgumentParserError(_ error: Error) -> Bool { exitCode(for: error) == .validationFailure }
}
