import Foundation
import Plans

/// The data of a fine-tune, split and limited: what `DataSource` read, with a seeded stratified
/// validation split carved out of the training data when the data has none, and `limit` /
/// `evaluationLimit` stratified subsets for quick runs. With `folds`, K-fold cross-validation:
/// the training and any given validation examples are pooled in `train` and cut into folds,
/// `validation` is empty, and each fold is in turn the validation set of a run on the others.
public struct TrainingData: Sendable {
    public let train: LabelledExamples
    public let validation: LabelledExamples
    public let test: LabelledExamples?
    /// Each fold's examples (indices into `train`) under K-fold cross-validation; nil otherwise.
    public let folds: [[Int]]?
    /// `given by the data` or `a seeded stratified 10% of the training data`.
    public let validationSource: String
    public let skipped: [SkippedExample]
    public let source: String
    public let modality: TaskProfile.Modality

    public init(
        path: String, options: DataOptions, validationFraction: Double, seed: UInt64, limit: Int? = nil, evaluationLimit: Int? = nil,
        folds foldCount: Int? = nil
    ) throws {
        let splits = try DataSource.read(path, options: options)
        var train = splits.train, validation: LabelledExamples
        if let foldCount {
            var pool = train
            pool.examples += splits.validation?.examples ?? []
            train = Self.limited(pool, to: limit, seed: seed)
            let cut = StratifiedSplit.folds(of: train, count: foldCount, seed: seed)
            if let empty = cut.firstIndex(where: \.isEmpty) {
                throw DataError.unsuitable(path, reason: "\(train.count) examples\(train.examples.contains { $0.group != nil } ? " in fewer groups" : "") cannot fill \(foldCount) folds (fold \(empty + 1) is empty)")
            }
            (self.train, self.validation, folds) = (train, LabelledExamples(examples: [], classes: train.classes), cut)
            validationSource = "\(foldCount)-fold cross-validation over \(splits.validation == nil ? "the training data" : "the training and validation data") (seed \(seed))"
            test = splits.test.map { Self.limited($0, to: evaluationLimit, seed: seed) }
            (skipped, source, modality) = (splits.skipped, splits.source, splits.modality)
            return
        }
        folds = nil
        if let given = splits.validation {
            validation = given
            validationSource = "given by the data"
        } else {
            (train, validation) = StratifiedSplit.split(train, validationFraction: validationFraction, seed: seed)
            validationSource = "a seeded stratified \(Int((validationFraction * 100).rounded()))% of the training data (seed \(seed))"
        }
        self.train = Self.limited(train, to: limit, seed: seed)
        self.validation = Self.limited(validation, to: evaluationLimit, seed: seed)
        test = splits.test.map { Self.limited($0, to: evaluationLimit, seed: seed) }
        (skipped, source, modality) = (splits.skipped, splits.source, splits.modality)
    }

    /// At most `limit` examples of `examples`, drawn stratified by class (in their original order).
    public static func limited(_ examples: LabelledExamples, to limit: Int?, seed: UInt64) -> LabelledExamples {
        guard let limit, limit < examples.count, limit > 0 else { return examples }
        let (_, kept) = StratifiedSplit.indices(of: examples, validationFraction: Double(limit) / Double(examples.count), seed: seed ^ 0x4C49_4D49_54)
        return examples.subset(kept)
    }

    /// The cross-entropy weights `spec` asks for: `none` (nil), `auto` (scikit-learn's balanced
    /// weights over the training split) or a JSON object `{"class": weight}`.
    public func classWeights(_ spec: String) throws -> [Double]? {
        switch spec {
        case "none": return nil
        case "auto": return ClassBalance(train).balancedWeights
        default:
            guard let object = try? JSONSerialization.jsonObject(with: Data(spec.utf8)) as? [String: Any] else {
                throw DataError.unsuitable("--class-weights", reason: "'\(spec)' is not none, auto or a JSON object {\"class\": weight}")
            }
            var mapping: [String: Double] = [:]
            for (name, value) in object {
                guard let number = value as? NSNumber else { throw DataError.unsuitable("--class-weights", reason: "the weight of '\(name)' is not a number") }
                mapping[name] = number.doubleValue
            }
            return try ClassBalance.weights(mapping, classes: train.classes)
        }
    }

    /// The report's data section.
    public func summary(classWeights: [Double]?) -> FineTuneReport.DataSummary {
        FineTuneReport.DataSummary(
            source: source, trainExamples: train.count, validationExamples: validation.count, testExamples: test?.count,
            validationSource: validationSource, classes: train.classes, trainCounts: ClassBalance(train).counts,
            classWeights: classWeights?.map(Float.init), skipped: skipped.map { "\($0.origin): \($0.reason)" })
    }
}
