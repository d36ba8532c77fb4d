import Foundation
import PackagePlugin

/// Compiles the model cards (`zoo/*.yaml`) and ImageNet's class names (`zoo/imagenet_classes.txt`)
/// into the target that reads them, so an installed `zoo` needs no files beside it and the YAML stays
/// the one source.
@main
struct EmbedModelCards: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "zoo")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") || $0 == "imagenet_classes.txt" }
            .sorted()
            .map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedCardFiles.swift")
        return [.buildCommand(
            displayName: "Embedding \(inputs.count) model card files",
            executable: try context.tool(named: "ResourceEmbedder").url,
            arguments: [output.path, "EmbeddedCardFiles"] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
