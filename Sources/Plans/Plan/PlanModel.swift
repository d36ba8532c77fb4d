import Architectures

extension FineTunePlan {
    /// The base model and the checkpoint to start from.
    public struct BaseModel: Codable, Equatable, Sendable {
        /// A registry name (`zoo models list`).
        public var name: String
        public var family: String
        public var checkpoint: Checkpoint

        public init(name: String, family: String, checkpoint: Checkpoint) {
            self.name = name
            self.family = family
            self.checkpoint = checkpoint
        }
    }

    /// Which published weights, as the model card names them, and how to read them.
    public struct Checkpoint: Codable, Equatable, Sendable {
        /// The card's checkpoint name, such as IMAGENET1K_V2.
        public var name: String
        /// The library that publishes it (torchvision, timm, keras, transformers).
        public var library: String
        /// The file name (or a local path), when known.
        public var file: String?
        /// The parameter-naming convention of the file, such as torchvision.
        public var convention: Convention
        public var sha256Prefix: String?

        /// A card's checkpoint, read in the naming convention of the library that publishes it.
        public init(_ card: ModelCard.Checkpoint) {
            self.init(name: card.name, library: card.library, file: card.file, convention: card.convention, sha256Prefix: card.sha256Prefix)
        }

        public init(name: String, library: String, file: String?, convention: Convention, sha256Prefix: String?) {
            self.name = name
            self.library = library
            self.file = file
            self.convention = convention
            self.sha256Prefix = sha256Prefix
        }
    }

    /// The input preprocessing the checkpoint was trained with, copied from its model card.
    public struct InputPreprocessing: Codable, Equatable, Sendable {
        public var resize: Int?
        public var crop: Int?
        public var interpolation: String?
        public var mean: [Double]?
        public var std: [Double]?
        public var tokenizer: String?
        public var vocabulary: Int?
        public var lowercase: Bool?
        public var maxLength: Int?

        /// The card's preprocessing; every field absent when the card states none.
        public init(_ card: ModelCard.Preprocessing?) {
            (resize, crop, interpolation, mean, std) = (card?.resize, card?.crop, card?.interpolation, card?.mean, card?.std)
            (tokenizer, vocabulary, lowercase, maxLength) = (card?.tokenizer, card?.vocabulary, card?.lowercase, card?.maxLength)
        }

        /// Checks what an image transform needs: sizes in 1…4096, three means and three positive
        /// deviations, an interpolation torchvision names; a length limit of at least 3 tokens.
        public func validate() throws(ProfileError) {
            for (field, value) in [("resize", resize), ("crop", crop)] {
                if let value, !(1...4096).contains(value) { throw ProfileError("preprocessing.\(field)", "must be in 1...4096, got \(value)") }
            }
            if let mean, mean.count != 3 || !mean.allSatisfy(\.isFinite) { throw ProfileError("preprocessing.mean", "needs three finite values (R, G, B)") }
            if let std, std.count != 3 || !std.allSatisfy({ $0.isFinite && $0 > 0 }) {
                throw ProfileError("preprocessing.std", "needs three positive values (R, G, B)")
            }
            if let interpolation, !["bilinear", "bicubic"].contains(interpolation) {
                throw ProfileError("preprocessing.interpolation", "'\(interpolation)' is not bilinear or bicubic")
            }
            if let maxLength, maxLength < 3 { throw ProfileError("preprocessing.max_length", "must be at least 3, got \(maxLength)") }
        }
    }

    /// The new output layer.
    public struct Head: Codable, Equatable, Sendable {
        /// The task it serves, which fixes the loss: cross-entropy (single-label, sentence-pair),
        /// per-label sigmoid (multi-label) or mean squared error (regression).
        public var kind: TaskProfile.Kind
        /// Outputs: classes, labels or regression targets.
        public var classes: Int
        /// Dropout before the head, as a probability.
        public var dropout: Double

        public init(kind: TaskProfile.Kind, classes: Int, dropout: Double) {
            self.kind = kind
            self.classes = classes
            self.dropout = dropout
        }
    }
}
