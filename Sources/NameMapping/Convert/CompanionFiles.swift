import Foundation
import Tensors

/// The files beside a checkpoint that a Hugging Face folder needs besides its weights and
/// config: the tokenizer's, and sentence-transformers' modules (`modules.json`, its modules'
/// folders such as `1_Pooling/`, `sentence_bert_config.json`). A conversion to a folder carries
/// them over, so `AutoTokenizer`, sentence-transformers and zoo itself read the result as they
/// read the source.
enum CompanionFiles {
    static let tokenizer = [
        "vocab.txt", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
    ]
    static let sentenceTransformers = ["modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"]

    /// Copies the companion files of `source` (a folder) that exist into `destination` (a
    /// staging folder), returning their paths relative to it, in order.
    static func copy(from source: String, into destination: String) throws -> [String] {
        let manager = FileManager.default
        var names = (tokenizer + sentenceTransformers).filter { manager.fileExists(atPath: source + "/" + $0) }
        for module in modulePaths(source + "/modules.json") {
            let files = (try? manager.contentsOfDirectory(atPath: source + "/" + module)) ?? []
            names += files.sorted().map { module + "/" + $0 }.filter { !isFolder(source + "/" + $0) }
        }
        for name in names {
            let data: Data
            do { data = Data(try RegularFile.read(source + "/" + name)) } catch {
                throw FileError(path: source + "/" + name, operation: "read (to carry it over)", message: error.message)
            }
            let target = destination + "/" + name
            do {
                try manager.createDirectory(atPath: URL(fileURLWithPath: target).deletingLastPathComponent().path, withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: target))
            } catch {
                throw FileError(path: target, operation: "write", message: "\(error.localizedDescription)", access: .writing)
            }
        }
        return names
    }

    /// The folders of the modules `modules.json` lists (`1_Pooling`), one level below the folder.
    private static func modulePaths(_ file: String) -> [String] {
        guard let data = try? Data(RegularFile.read(file)),
              let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else { return [] }
        return modules.compactMap { $0["path"] as? String }.filter { !$0.isEmpty && !$0.contains("/") && !$0.hasPrefix(".") }
    }

    private static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }
}
