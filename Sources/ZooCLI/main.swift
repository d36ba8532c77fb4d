import ArgumentParser
import Foundation
import ModelZoo

// Every failure maps to one of zoo's documented exit codes (see ExitStatus) instead of
// ArgumentParser's defaults, and every error reads `zoo: error: …` (a command line that does not
// parse then shows the usage); help and version requests print to standard output and exit 0 (the
// version with the commit and the C libraries in use).
func finish(with error: Error, showingUsage: Bool) -> Never {
    if Zoo.exitCode(for: error) == .success {
        let message = Zoo.fullMessage(for: error)
        print(message == Zoo.version ? Zoo.versionReport : message)
        exit(ExitStatus.ok.rawValue)
    }
    let status = ExitStatus(for: error)
    let text = status != .usage ? "\(error)" : showingUsage ? Zoo.fullMessage(for: error) : Zoo.message(for: error)
    let message = "zoo: error: " + (text.hasPrefix("Error: ") ? String(text.dropFirst("Error: ".count)) : text)
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(status.rawValue)
}

BLASThreadTimeout.reexecuteIfNeeded()
var command: ParsableCommand
do {
    command = try Zoo.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
} catch {
    finish(with: error, showingUsage: true)
}
Diagnostics.quiet = (command as? any CommonOptionsCommand)?.common.quiet ?? false
do {
    try command.run()
} catch {
    finish(with: error, showingUsage: false)
}
