import Architectures
import CheckpointFormats
import Engine
import Foundation
import Plans
import Tensors

/// A fine-tuned model as a folder `zoo run`, `zoo evaluate` and `zoo convert` read:
/// `model.safetensors` (every parameter and buffer under the canonical names — torchvision's for
/// images, Hugging Face's for encoders — in state-dict order), `config.json` (`ModelFolderConfig`:
/// the class names as `id2label`, zoo's model, task and preprocessing; a text model's base config
/// kept beside them) and, for text, the tokenizer's files.
public enum ModelFolder {
    public static let weightsFile = "model.safetensors"
    static let tokenizerFiles = ["vocab.txt", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

    /// Writes the model of `store` into `folder` (created), each file atomically.
    public static func write(
        _ store: ParameterStore, graph: ModelGraph, config: ModelFolderConfig, baseConfig: String?, tokenizerFolder: String?, to folder: String
    ) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let writer = try SafetensorsWriter(path: folder + "/" + weightsFile, tensors: try store.stateDictionary(of: graph), metadata: ["format": "pt"])
        try store.write(graph, to: writer)
        _ = try writer.commit()
        var base: [String: Any] = [:]
        if let baseConfig, let bytes = try? RegularFile.read(baseConfig), let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
            base = object
            // transformers builds the task model the config names: the encoder with its classifier.
            let architectures = ["bert": "BertForSequenceClassification", "roberta": "RobertaForSequenceClassification", "distilbert": "DistilBertForSequenceClassification"]
            if let type = object["model_type"] as? String, let architecture = architectures[type] { base["architectures"] = [architecture] }
            switch config.task {
            case .multiLabel: base["problem_type"] = "multi_label_classification"
            case .regression: base["problem_type"] = "regression"
            case .singleLabel, .sentencePair: base["problem_type"] = "single_label_classification"
            }
        }
        try AtomicFile.write(Array(try config.json(keeping: base)) + [0x0A], to: folder + "/" + ModelFolderConfig.fileName)
        guard let tokenizerFolder else { return }
        for file in tokenizerFiles where FileManager.default.fileExists(atPath: tokenizerFolder + "/" + file) {
            try AtomicFile.write(try RegularFile.read(tokenizerFolder + "/" + file), to: folder + "/" + file)
        }
    }
}
