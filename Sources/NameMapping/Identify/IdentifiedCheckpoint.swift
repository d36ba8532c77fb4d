import Architectures
import CheckpointFormats
import Engine

/// A checkpoint file read as a registry model: opened (any format), identified in whatever
/// convention and under whatever wrapper prefix it uses (restricted to `model` / `convention`
/// when given), required complete, and mapped to canonical names. What `zoo run`, `zoo score`,
/// `zoo finetune` and `zoo evaluate` all start from.
public struct IdentifiedCheckpoint {
    public let path: String
    public let checkpoint: CheckpointReader
    /// How the file was read: model, convention, wrapper prefix, head, every tensor accounted for.
    public let reading: Candidate
    public let model: RegisteredModel
    /// The canonical parameters, read from the file through its convention.
    public let weights: MappedCheckpoint

    /// Throws when nothing matches or a tensor the model needs is missing or mis-shaped.
    public init(path: String, model: String? = nil, convention: Convention? = nil) throws {
        self.path = path
        checkpoint = try Checkpoint.open(path)
        reading = try Identifier.bestReading(checkpoint, model: model, convention: convention).reading
        try reading.requireComplete(file: path)
        self.model = Registry.model(named: reading.model)!
        weights = MappedCheckpoint(reader: checkpoint, layout: reading.layout, prefix: reading.prefix)
    }

    /// The function the weights compute: the registry graph with the file's head and the
    /// convention's differences applied (`ConventionLayout.conventionGraph`).
    public var graph: ModelGraph { reading.layout.conventionGraph }

    /// How the file's function differs from the registry's model; empty when it is the same.
    public var differences: [FunctionDifference] { reading.layout.differences }
}
