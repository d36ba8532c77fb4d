import Foundation
import Plans
import Tensors

/// The `config.json` of a model folder: Hugging Face's `id2label` / `label2id` / `num_labels`
/// (which transformers, timm and zoo all read for class names), and zoo's own `zoo` section
/// with what a fine-tune started from: the registry model, the task, and the preprocessing.
/// A text model's folder keeps every field of its base checkpoint's config beside these, so
/// `transformers` loads it as it is.
public struct ModelFolderConfig: Equatable, Sendable {
    /// The registry model.
    public var model: String
    public var task: TaskProfile.Kind
    public var classNames: [String]
    public var preprocessing: FineTunePlan.InputPreprocessing

    public init(model: String, task: TaskProfile.Kind, classNames: [String], preprocessing: FineTunePlan.InputPreprocessing) {
        (self.model, self.task, self.classNames, self.preprocessing) = (model, task, classNames, preprocessing)
    }

    /// The file name in a model folder.
    public static let fileName = "config.json"

    private struct ZooSection: Codable {
        var model: String
        var task: TaskProfile.Kind
        var preprocessing: FineTunePlan.InputPreprocessing
    }

    /// The config beside `weights`: zoo's section when present, else only a Hugging Face
    /// config's class names (the rest then absent); nil when there is no readable config.
    public static func read(besides weights: String) -> ModelFolderConfig? {
        let path = URL(fileURLWithPath: weights).deletingLastPathComponent().appendingPathComponent(fileName).path
        guard let bytes = try? RegularFile.read(path),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        var names: [String] = []
        if let table = object["id2label"] as? [String: Any] {
            let indexed = table.compactMap { key, value in Int(key).map { ($0, value as? String ?? "\(value)") } }
            if indexed.count == table.count, Set(indexed.map(\.0)) == Set(0..<indexed.count) {
                names = indexed.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let zoo = object["zoo"], let data = try? JSONSerialization.data(withJSONObject: zoo),
              let section = try? decoder.decode(ZooSection.self, from: data), (try? section.preprocessing.validate()) != nil else {
            return names.isEmpty ? nil : ModelFolderConfig(model: "", task: .singleLabel, classNames: names, preprocessing: .init(nil))
        }
        return ModelFolderConfig(model: section.model, task: section.task, classNames: names, preprocessing: section.preprocessing)
    }

    /// The JSON object to write: `base` (a Hugging Face config to keep, or empty) with the class
    /// names and zoo's section set.
    public func json(keeping base: [String: Any] = [:]) throws -> Data {
        var object = base
        object["id2label"] = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { (String($0.offset), $0.element) })
        object["label2id"] = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($0.element, $0.offset) })
        object["num_labels"] = classNames.count
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        object["zoo"] = try JSONSerialization.jsonObject(with: encoder.encode(ZooSection(model: model, task: task, preprocessing: preprocessing)))
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
