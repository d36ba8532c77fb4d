import Foundation
import Yams

/// What is published about a registry model: its paper and known checkpoints, each with its
/// accuracy (every figure naming its source), licence, file and preprocessing. Cards live as
/// YAML in the repository's `zoo/` folder, one file per family, and are read at run time.
public struct ModelCard: Decodable, Sendable {
    public struct Paper: Decodable, Sendable {
        public let title: String
        public let authors: String
        public let year: Int
        public let url: String
    }

    public struct Accuracy: Decodable, Sendable {
        public let metric: String
        public let value: Double
        public let dataset: String
        public let source: String
    }

    /// Images: resize, crop, interpolation, mean/std. Text: tokenizer kind, vocabulary size,
    /// lower-casing and maximum sequence length.
    public struct Preprocessing: Decodable, Sendable {
        public let resize: Int?
        public let crop: Int?
        public let interpolation: String?
        public let mean: [Double]?
        public let std: [Double]?
        public let tokenizer: String?
        public let vocabulary: Int?
        public let lowercase: Bool?
        public let maxLength: Int?

        enum CodingKeys: String, CodingKey {
            case resize, crop, interpolation, mean, std, tokenizer, vocabulary, lowercase
            case maxLength = "max_length"
        }
    }

    public struct Checkpoint: Decodable, Sendable {
        public let name: String
        public let library: String
        /// torchvision's weights enum (`ResNet50_Weights.IMAGENET1K_V2`), for torchvision checkpoints.
        public let torchvisionWeights: String?
        public let file: String?
        public let url: String?
        public let sha256Prefix: String?
        public let sizeMB: Double?
        public let parameters: Int?
        public let gmacs: Double?
        public let accuracy: [Accuracy]
        public let recipe: String?
        public let licence: String
        public let preprocessing: Preprocessing?
        /// What a checkpoint lacks and why: no published accuracy (e.g. feature-extractor weights), or a
        /// file size or hash that no reachable source publishes.
        public let note: String?

        enum CodingKeys: String, CodingKey {
            case name, library, file, url, parameters, gmacs, accuracy, recipe, licence, preprocessing, note
            case sha256Prefix = "sha256_prefix", sizeMB = "size_mb", torchvisionWeights = "enum"
        }
    }

    public let name: String
    public let task: String
    public let paper: Paper?
    /// timm's name for the same architecture, where it differs from the registry's (`mobilenetv2_100`).
    public let timm: String?
    public let checkpoints: [Checkpoint]

    /// The best published value of `metric` across the checkpoints (e.g. "acc@1").
    public func best(_ metric: String) -> Accuracy? {
        checkpoints.flatMap(\.accuracy).filter { $0.metric == metric }.max { $0.value < $1.value }
    }
}

/// A family's card file.
struct ModelCardFile: Decodable {
    let family: String
    let models: [ModelCard]
}

/// Why the cards could not be read.
public struct ModelCardError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}

/// Loading the cards in `zoo/`.
public enum ModelCards {
    /// Cards by model name, with the family each file declares.
    public static func load(from directory: String) throws -> [String: (family: String, card: ModelCard)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
        var cards: [String: (family: String, card: ModelCard)] = [:]
        for file in files {
            let path = directory + "/" + file
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let parsed: ModelCardFile
            do {
                parsed = try YAMLDecoder().decode(ModelCardFile.self, from: text)
            } catch {
                throw ModelCardError(file: path, reason: "not a valid model card file: \(error)")
            }
            for card in parsed.models {
                guard cards[card.name] == nil else { throw ModelCardError(file: path, reason: "model '\(card.name)' has a card in two files") }
                cards[card.name] = (parsed.family, card)
            }
        }
        return cards
    }

    /// The `zoo/` card folder: `$ZOO_CARDS`, else the first `zoo/` holding cards found walking up
    /// from the executable (a checkout's `.build/release/zoo` finds the repository's) or from the
    /// current directory.
    public static func locate(executable: String = CommandLine.arguments[0]) -> String? {
        if let explicit = ProcessInfo.processInfo.environment["ZOO_CARDS"] { return explicit }
        let starts = [URL(fileURLWithPath: executable).deletingLastPathComponent(),
                      URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent(),
                      URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        for start in starts {
            var folder = start.standardizedFileURL
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("zoo")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("resnet.yaml").path) { return candidate.path }
                folder.deleteLastPathComponent()
            }
        }
        return nil
    }
}
