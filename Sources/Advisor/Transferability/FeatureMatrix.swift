import Tensors

/// Features for transferability scoring: N samples × D features, row-major, in float64 (LogME's
/// sums of squares over thousands of rows lose digits in float32).
public struct FeatureMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns, "values must hold rows × columns entries")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// One array per sample, all of the same length.
    public init<T: BinaryFloatingPoint>(samples: [[T]]) {
        let width = samples.first?.count ?? 0
        precondition(samples.allSatisfy { $0.count == width }, "every sample needs the same number of features")
        var values = [Double]()
        values.reserveCapacity(samples.count * width)
        for sample in samples { for value in sample { values.append(Double(value)) } }
        self.init(rows: samples.count, columns: width, values: values)
    }

    /// The rows at `indices`, in that order (repeats allowed: what a bootstrap resample takes).
    public func selecting(rows indices: [Int]) -> FeatureMatrix {
        var picked = [Double]()
        picked.reserveCapacity(indices.count * columns)
        for index in indices { picked += values[index * columns..<(index + 1) * columns] }
        return FeatureMatrix(rows: indices.count, columns: columns, values: picked)
    }
}
