import ArgumentParser

/// The `zoo` command: browse, convert and fine-tune pre-trained models.
struct Zoo: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "A model zoo for people who fine-tune: inspect and convert checkpoints, browse architectures.",
        discussion: ExitStatus.summary,
        version: version,
        subcommands: [Inspect.self, Identify.self, Verify.self, Convert.self, Models.self, Run.self, Score.self, Calibrate.self, Advise.self])
}

extension Zoo {
    /// Whether `error` came from parsing the command line (ArgumentParser maps those to exit 64).
    static func isArgumentParserError(_ error: Error) -> Bool { exitCode(for: error) == .validationFailure }
}
