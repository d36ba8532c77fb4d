import Architectures
import CheckpointFormats
import Engine
import Tensors

/// `zoo verify`'s report: every tensor of a checkpoint accounted for against one reading
/// (model, convention, wrapper), and optionally the outputs it computes.
public struct Verification: Sendable {
    public let file: String
    public let reading: Candidate
    /// Tensors whose dtype cannot hold the parameter (an integer weight, a float step counter).
    public let wrongDType: [WrongDType]
    public let extras: [ExtraTensor]
    /// This file's outputs against another checkpoint's (`--against`), through each one's convention.
    public let against: OutputComparison?
    /// What each of the convention's function differences changes, measured on this file's weights.
    public let differences: [MeasuredDifference]

    public struct WrongDType: Sendable, Equatable, Codable {
        public let name: String
        public let expected: String
        public let found: DType
    }

    /// Nothing missing, mis-shaped, of the wrong dtype or unaccounted for, and (when compared)
    /// the same outputs as the other checkpoint.
    public var passes: Bool {
        reading.isComplete && reading.unexpected.isEmpty && wrongDType.isEmpty
            && (against?.isEquivalent ?? true)
    }
}

/// Function differences with the output change they cause together.
public struct MeasuredDifference: Sendable {
    public let differences: [FunctionDifference]
    public let effect: OutputComparison
}

/// Checks a checkpoint strictly against a registry model in a convention.
public enum Verifier {
    /// Verifies `reader`; `model` / `convention` fix the reading instead of identifying it.
    /// `checkOutputs` runs forward passes: the convention's differences, and `against` if given.
    public static func verify(
        _ reader: CheckpointReader, model: String? = nil, convention: Convention? = nil,
        checkOutputs: Bool = false, against: CheckpointReader? = nil
    ) throws -> Verification {
        let (identification, reading) = try Identifier.bestReading(reader, model: model, convention: convention)
        let weights = MappedCheckpoint(reader: reader, layout: reading.layout, prefix: reading.prefix)
        let wrong = reading.layout.tensors.compactMap { tensor -> Verification.WrongDType? in
            guard let info = weights.fileTensor(of: tensor.name) else { return nil }
            let wantsFloat = tensor.dtype.isConvertibleFloat
            guard wantsFloat != info.dtype.isConvertibleFloat else { return nil }
            return .init(name: info.name, expected: wantsFloat ? "a float type" : tensor.dtype.rawValue, found: info.dtype)
        }
        var comparison: OutputComparison?
        var measured: [MeasuredDifference] = []
        let complete = reading.isComplete && wrong.isEmpty
        if checkOutputs && complete {
            let own = reading.layout.conventionGraph
            if let against {
                let other = try verify(against, model: reading.model)
                try other.reading.requireComplete(file: against.path)
                let otherWeights = MappedCheckpoint(reader: against, layout: other.reading.layout, prefix: other.reading.prefix)
                comparison = try OutputComparison.compare(
                    reference: (other.reading.layout.conventionGraph, otherWeights), candidate: (own, weights))
            }
            measured = try measure(reading.layout, weights: weights)
        }
        return Verification(file: reader.path, reading: reading, wrongDType: wrong, extras: identification.extras, against: comparison, differences: measured)
    }

    /// Each of `layout`'s differences alone, then all together: the registry graph against the
    /// graph with the difference, both on `weights`.
    public static func measure(_ layout: ConventionLayout, weights: WeightSource) throws -> [MeasuredDifference] {
        let differences = layout.differences
        let sets = differences.map { [$0] } + (differences.count > 1 ? [differences] : [])
        return try sets.map { set in
            MeasuredDifference(
                differences: set,
                effect: try OutputComparison.compare(reference: (layout.graph, weights), candidate: (layout.graph.applying(set), weights)))
        }
    }
}
