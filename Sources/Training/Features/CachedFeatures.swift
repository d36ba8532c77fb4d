import Engine

/// The frozen prefix's outputs for a set of examples, held in memory: for each value the trained
/// suffix reads (`TrainingPlan.cutNames`), `count × size` floats in PyTorch's layout; for text,
/// each example's attention mask, which the suffix's attention still needs.
public struct CachedFeatures: Sendable {
    public let names: [String]
    /// Floats per example of each value.
    public let sizes: [Int]
    /// Per value, `count × size` floats.
    public let values: [[Float]]
    /// `count × length` (text), empty for images.
    public let attentionMasks: [Int]
    /// Tokens per sequence (text), 0 for images.
    public let length: Int
    public let count: Int

    public init(names: [String], sizes: [Int], values: [[Float]], attentionMasks: [Int], length: Int, count: Int) {
        (self.names, self.sizes, self.values, self.attentionMasks, self.length, self.count) = (names, sizes, values, attentionMasks, length, count)
    }

    /// The rows of `indices`, as `TrainingPlan.step(features:count:attentionMask:)` takes them.
    public func batch(_ indices: [Int]) -> (features: [[Float]], attentionMask: [Int]?) {
        let features = zip(values, sizes).map { values, size in
            var rows = [Float]()
            rows.reserveCapacity(indices.count * size)
            for index in indices { rows += values[index * size..<(index + 1) * size] }
            return rows
        }
        guard length > 0 else { return (features, nil) }
        return (features, indices.flatMap { attentionMasks[$0 * length..<($0 + 1) * length] })
    }

    /// Bytes held.
    public var byteCount: Int { values.reduce(0) { $0 + $1.count } * 4 + attentionMasks.count * 8 }
}
