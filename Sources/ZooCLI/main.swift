import ArgumentParser
import Foundation
import ModelZoo

// Every failure maps to one of zoo's documented exit codes (see ExitStatus) instead of
// ArgumentParser's defaults; help and version requests print to standard output and exit 0 (the version
// with the commit and the C libraries in use).
func finish(with error: Error) -> Never {
    if Zoo.exitCode(for: error) == .success {
        let message = Zoo.fullMessage(for: error)
        print(message == Zoo.version ? Zoo.versionReport : message)
        exit(ExitStatus.ok.rawValue)
    }
    let status = ExitStatus(for: error)
    let message = status == .usage ? Zoo.fullMessage(for: error) : "zoo: error: \(error)"
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(status.rawValue)
}

do {
    var command = try Zoo.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
    try command.run()
} catch {
    finish(with: error)
}
