/// LogME of candidates' features on a labelled sample of the user's data (`zoo advise --sample`),
/// with what the sample was: scores mean something only relative to each other, on the same data.
public struct SampleScores: Sendable, Equatable {
    public var examples: Int
    public var classes: Int
    /// Bootstrap score by registry model name.
    public var scores: [String: BootstrapScore]
    /// Feature width by registry model name (LogME is less reliable with fewer examples than features).
    public var featureWidths: [String: Int]

    public init(examples: Int, classes: Int, scores: [String: BootstrapScore], featureWidths: [String: Int]) {
        (self.examples, self.classes, self.scores, self.featureWidths) = (examples, classes, scores, featureWidths)
    }
}
