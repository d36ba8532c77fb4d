import Tensors

/// A candidate reading of a checkpoint: which model, in which convention, under which wrapper
/// prefix, and how every tensor is accounted for.
public struct Candidate: Sendable {
    public let layout: ConventionLayout
    /// What precedes every mapped name in the file (`module.`, `module.pre.`…), "" when nothing.
    public let prefix: String
    /// Convention tensors found with the expected shape (the classifier's class count may differ).
    public let matched: [String]
    /// Convention tensors the file lacks (a missing classifier is a headless file, not missing).
    public let missing: [String]
    /// (convention name, expected shape, found shape).
    public let misshaped: [Misshaped]
    /// File tensors that are neither mapped nor recognised extras.
    public let unexpected: [String]
    /// The classifier's output size in the file; nil when the file has no classifier.
    public let classes: Int?
    /// Share of the file's model tensors and the layout's tensors that agree, 0…1.
    public let score: Double

    public struct Misshaped: Sendable, Equatable, Codable {
        public let name: String
        public let expected: [Int]
        public let found: [Int]
    }

    public var model: String { layout.model }
    public var convention: Convention { layout.convention }

    /// Every tensor of the layout is in the file with its shape: the weights can be computed with.
    public var isComplete: Bool { missing.isEmpty && misshaped.isEmpty }

    /// Throws `incomplete`, naming what is missing or mis-shaped in `file`, unless `isComplete`.
    public func requireComplete(file: String) throws {
        guard isComplete else { throw MappingError.incomplete(file: file, missing: missing, misshaped: misshaped.map(\.name)) }
    }
}

/// What `zoo identify` says about a file.
public struct Identification: Sendable {
    public let file: String
    public let best: Candidate?
    /// The next-best reading that is a different model or convention, when there is one.
    public let runnerUp: Candidate?
    /// Conventions that name this model exactly as the best one does (timm's ResNet is torchvision's).
    public let sameNames: [Convention]
    /// Element type of the model's tensors, with how many tensors have each.
    public let dtypes: [DType: Int]
    /// Wrappers around the state dict: DataParallel's `module.`, a nested dictionary…
    public let wrappers: [String]
    public let extras: [ExtraTensor]

    /// The best candidate's score; a close runner-up makes the identification ambiguous.
    public var confidence: Double { best?.score ?? 0 }
    /// A runner-up within 0.02 that fits the file as well: one whose tensors are missing or
    /// mis-shaped where the best's are not (BERT base read as RoBERTa: other embedding sizes) is
    /// ruled out by the shapes, however close its score.
    public var isAmbiguous: Bool {
        guard let best, let runnerUp else { return false }
        let misfits = { (candidate: Candidate) in candidate.missing.count + candidate.misshaped.count }
        return best.score - runnerUp.score < 0.02 && misfits(runnerUp) <= misfits(best)
    }
}
