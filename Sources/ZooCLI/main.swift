import ArgumentParser
import Foundation
import ModelZoo
#if canImport(Glibc)
import CMalloc
#endif

// Every failure maps to one of zoo's documented exit codes (see ExitStatus) instead of
// ArgumentParser's defaults; help and version requests print to standard output and exit 0.
func finish(with error: Error) -> Never {
    if Zoo.exitCode(for: error) == .success {
        print(Zoo.fullMessage(for: error))
        exit(ExitStatus.ok.rawValue)
    }
    let status = ExitStatus(for: error)
    let message = status == .usage ? Zoo.fullMessage(for: error) : "zoo: error: \(error)"
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(status.rawValue)
}

#if canImport(Glibc)
// zoo builds large arrays (weights converted to float32) and drops them one at a time. glibc
// raises its mmap threshold to the largest block freed (up to 32 MiB), after which such arrays
// come from the heap and stay in the resident set once freed; a fixed threshold returns each one.
mallopt(M_MMAP_THRESHOLD, 1 << 20)
#endif

do {
    var command = try Zoo.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
    try command.run()
} catch {
    finish(with: error)
}
