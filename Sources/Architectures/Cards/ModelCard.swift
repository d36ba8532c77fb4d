import Foundation
import Yams

/// What is published about a registry model: its paper and known checkpoints, each with its
/// accuracy (every figure naming its source), licence, file and preprocessing. Cards live as
/// YAML in the repository's `zoo/` folder, one file per family, compiled into the binary.
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
        /// The library that publishes it: torchvision, timm, transformers or sentence-transformers.
        public let library: String
        /// How the file names its parameters, which follows from `library`.
        public let convention: Convention
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

        public init(from decoder: any Swift.Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            name = try fields.decode(String.self, forKey: .name)
            library = try fields.decode(String.self, forKey: .library)
            guard let convention = Convention(library: library) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .library, in: fields, debugDescription: "'\(library)' is not a library zoo reads (torchvision, timm, transformers, sentence-transformers)")
            }
            self.convention = convention
            torchvisionWeights = try fields.decodeIfPresent(String.self, forKey: .torchvisionWeights)
            file = try fields.decodeIfPresent(String.self, forKey: .file)
            url = try fields.decodeIfPresent(String.self, forKey: .url)
            sha256Prefix = try fields.decodeIfPresent(String.self, forKey: .sha256Prefix)
            sizeMB = try fields.decodeIfPresent(Double.self, forKey: .sizeMB)
            parameters = try fields.decodeIfPresent(Int.self, forKey: .parameters)
            gmacs = try fields.decodeIfPresent(Double.self, forKey: .gmacs)
            accuracy = try fields.decode([Accuracy].self, forKey: .accuracy)
            recipe = try fields.decodeIfPresent(String.self, forKey: .recipe)
            licence = try fields.decode(String.self, forKey: .licence)
            preprocessing = try fields.decodeIfPresent(Preprocessing.self, forKey: .preprocessing)
            note = try fields.decodeIfPresent(String.self, forKey: .note)
        }
    }

    public let name: String
    public let task: String
    public let paper: Paper?
    /// timm's name for the same architecture, where it differs from the registry's (`mobilenetv2_100`).
    public let timm: String?
    public let checkpoints: [Checkpoint]

    /// The preprocessing of the checkpoint whose file name is `file`'s, else the first checkpoint's
    /// that states one: what a local copy of a published checkpoint was trained with.
    public func preprocessing(forFile file: String) -> Preprocessing? {
        let name = URL(fileURLWithPath: file).lastPathComponent
        return (checkpoints.first { $0.file == name && $0.preprocessing != nil } ?? checkpoints.first { $0.preprocessing != nil })?.preprocessing
    }

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

/// Loading the cards. The repository's `zoo/` folder is compiled into the binary at build time (the
/// `EmbedFiles` plugin), so an installed `zoo` carries its cards; `$ZOO_CARDS` names a folder
/// of cards to read instead.
public enum ModelCards {
    /// Cards by model name, with the family each file declares: `$ZOO_CARDS`'s folder when set, else
    /// the cards built in. Parsed once per process.
    public static func standard() throws -> [String: (family: String, card: ModelCard)] { try parsedStandard.get() }

    private static let parsedStandard = Result { () throws -> [String: (family: String, card: ModelCard)] in
        if let folder = overrideFolder { return try load(from: folder) }
        return try load(files: EmbeddedCardFiles.files.filter { $0.key.hasSuffix(".yaml") }.map { ($0.key, $0.value) })
    }

    /// ImageNet-1K's class names in index order (`imagenet_classes.txt`, from torchvision's weight
    /// metadata): `$ZOO_CARDS`'s copy when it has one, else the one built in.
    public static func imageNetClassNames() -> [String] {
        let file = "imagenet_classes.txt"
        let text = overrideFolder.flatMap { try? String(contentsOfFile: $0 + "/" + file, encoding: .utf8) } ?? EmbeddedCardFiles.files[file] ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Cards by model name, with the family each file declares, from the `.yaml` files of `directory`.
    public static func load(from directory: String) throws -> [String: (family: String, card: ModelCard)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
        return try load(files: names.map { name in
            let path = directory + "/" + name
            return (path, try String(contentsOfFile: path, encoding: .utf8))
        })
    }

    private static var overrideFolder: String? { ProcessInfo.processInfo.environment["ZOO_CARDS"] }

    /// Cards from (file name, YAML text) pairs; a model with cards in two files is an error.
    private static func load(files: [(name: String, text: String)]) throws -> [String: (family: String, card: ModelCard)] {
        var cards: [String: (family: String, card: ModelCard)] = [:]
        for file in files.sorted(by: { $0.name < $1.name }) {
            let parsed: ModelCardFile
            do {
                parsed = try YAMLDecoder().decode(ModelCardFile.self, from: file.text)
            } catch {
                throw ModelCardError(file: file.name, reason: "not a valid model card file: \(error)")
            }
            for card in parsed.models {
                guard cards[card.name] == nil else { throw ModelCardError(file: file.name, reason: "model '\(card.name)' has a card in two files") }
                cards[card.name] = (parsed.family, card)
            }
        }
        return cards
    }
}
