import Foundation
import PackagePlugin

/// Records the commit the package was built from (`git describe`), for `zoo --version`. A prebuild
/// command, so it runs on every build; it rewrites its file only when the commit changes, so the
/// target is not recompiled otherwise. Outside a git checkout the commit reads "unknown".
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let outputs = context.pluginWorkDirectoryURL.appending(path: "generated")
        let file = outputs.appending(path: "BuildCommit.swift").path
        let script = """
            mkdir -p "$1" && \
            commit=$(git -C "$2" describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || echo unknown) && \
            printf '/// The commit this binary was built from.\\nlet buildCommit = "%s"\\n' "$commit" > "$3.new" && \
            if cmp -s "$3.new" "$3"; then rm "$3.new"; else mv "$3.new" "$3"; fi
            """
        return [.prebuildCommand(
            displayName: "Recording the commit for zoo --version",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", script, "sh", outputs.path, context.package.directoryURL.path, file],
            outputFilesDirectory: outputs)]
    }
}
