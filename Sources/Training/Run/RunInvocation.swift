import Foundation
import Tensors

/// `run.json`: how a run was started (data, checkpoint, data options, overrides), so that
/// `zoo finetune --resume RUN_DIR` rebuilds the same job from the run folder alone.
public struct RunInvocation: Codable, Equatable, Sendable {
    public var data: String
    public var weights: String
    public var validationFraction: Double
    /// K-fold cross-validation's K; nil: one validation split.
    public var folds: Int?
    public var classWeights: String
    public var limit: Int?
    public var evaluationLimit: Int?
    public var labelColumn: String?
    public var textColumn: String?
    public var pairColumn: String?
    public var groupColumn: String?
    public var skipBad: Bool
    public var cache: Bool
    public var checkpointEvery: Int
    public var overrides: [FineTuneReport.Override]
    /// `--equivalence` (nil in run folders written before it existed: off).
    public var equivalence: Bool?

    public init(
        data: String, weights: String, validationFraction: Double, folds: Int? = nil, classWeights: String, limit: Int?, evaluationLimit: Int?, labelColumn: String?,
        textColumn: String?, pairColumn: String?, groupColumn: String?, skipBad: Bool, cache: Bool, checkpointEvery: Int, overrides: [FineTuneReport.Override],
        equivalence: Bool = false
    ) {
        self.equivalence = equivalence ? true : nil
        (self.data, self.weights, self.validationFraction, self.folds, self.classWeights, self.limit) = (data, weights, validationFraction, folds, classWeights, limit)
        (self.evaluationLimit, self.labelColumn, self.textColumn, self.pairColumn) = (evaluationLimit, labelColumn, textColumn, pairColumn)
        (self.groupColumn, self.skipBad, self.cache, self.checkpointEvery, self.overrides) = (groupColumn, skipBad, cache, checkpointEvery, overrides)
    }

    public static let fileName = "run.json"

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// The invocation recorded in `folder`.
    public static func read(_ folder: String) throws -> RunInvocation {
        let path = folder + "/" + fileName
        guard let bytes = try? RegularFile.read(path) else { throw TrainingError.cannotResume("\(path) cannot be read: is \(folder) a zoo finetune run folder?") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(RunInvocation.self, from: Data(bytes)) } catch { throw TrainingError.cannotResume("\(path): \(error)") }
    }
}
