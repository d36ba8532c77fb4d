import ArgumentParser

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "No warnings, notes or progress on standard error (errors still print).")
    var quiet = false
}

/// A command with the common options.
protocol CommonOptionsCommand: ParsableCommand {
    var common: CommonOptions { get }
}
