import Foundation
import PackagePlugin

/// Compiles text files kept in the repository into the target that reads them, so an installed
/// `zoo` needs no files beside it and the files stay the one source: the model cards
/// (`zoo/*.yaml`) and ImageNet's class names (`zoo/imagenet_classes.txt`) into Architectures
/// (`EmbeddedCardFiles`), the exported PyTorch project's files (`Sources/Export/torchrun/`) into
/// Export (`EmbeddedProjectFiles`).
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let (folder, type, include): (URL, String, (String) -> Bool)
        switch target.name {
        case "Architectures":
            (folder, type) = (context.package.directoryURL.appending(path: "zoo"), "EmbeddedCardFiles")
            include = { $0.hasSuffix(".yaml") || $0 == "imagenet_classes.txt" }
        case "Export":
            (folder, type) = (context.package.directoryURL.appending(path: "Sources/Export/torchrun"), "EmbeddedProjectFiles")
            include = { !$0.hasPrefix(".") && $0 != "__pycache__" }
        default:
            throw PluginError("EmbedFiles knows no files for target \(target.name)")
        }
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter(include).sorted().map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: type + ".swift")
        return [.buildCommand(
            displayName: "Embedding \(inputs.count) files into \(target.name)",
            executable: try context.tool(named: "ResourceEmbedder").url,
            arguments: [output.path, type] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output])]
    }
}

struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
