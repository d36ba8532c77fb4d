import Engine
import Tensors

/// The frozen prefix's outputs for a set of examples: for each value the trained suffix reads
/// (`TrainingPlan.cutNames`), a `[count, size]` float32 tensor in PyTorch's layout; for text, each
/// example's attention mask, which the suffix's attention still needs. Read from the cache they
/// are views into the memory-mapped file, so a data set's features need not fit in memory: a
/// batch copies only its rows.
public struct CachedFeatures: Sendable {
    public let names: [String]
    /// Floats per example of each value.
    public let sizes: [Int]
    /// Per value, `[count, size]` float32.
    public let values: [Tensor]
    /// `[count, length]` float32 (text); nil for images.
    public let attentionMasks: Tensor?
    /// Tokens per sequence (text), 0 for images.
    public let length: Int
    public let count: Int

    public init(names: [String], sizes: [Int], values: [Tensor], attentionMasks: Tensor?, length: Int, count: Int) {
        precondition(zip(values, sizes).allSatisfy { $0.shape.dims == [count, $1] && $0.dtype == .f32 }, "CachedFeatures: values are not [count, size] float32")
        (self.names, self.sizes, self.values, self.attentionMasks, self.length, self.count) = (names, sizes, values, attentionMasks, length, count)
    }

    /// The rows of `indices`, as `TrainingPlan.step(features:count:attentionMask:)` takes them.
    public func batch(_ indices: [Int]) -> (features: [[Float]], attentionMask: [Int]?) {
        let features = zip(values, sizes).map { Self.rows(indices, of: $0, width: $1) }
        return (features, attentionMasks.map { Self.rows(indices, of: $0, width: length).map { Int($0) } })
    }

    /// Bytes the features take (on disk, or in memory when computed without a cache).
    public var byteCount: Int { values.reduce(0) { $0 + $1.byteCount } + (attentionMasks?.byteCount ?? 0) }

    /// Rows `indices` of a `[count, width]` float32 tensor, copied out.
    static func rows(_ indices: [Int], of tensor: Tensor, width: Int) -> [Float] {
        var rows = [Float](repeating: 0, count: indices.count * width)
        let rowBytes = width * 4
        tensor.withUnsafeBytes { source in
            rows.withUnsafeMutableBytes { target in
                for (position, index) in indices.enumerated() {
                    target.baseAddress!.advanced(by: position * rowBytes).copyMemory(from: source.baseAddress! + index * rowBytes, byteCount: rowBytes)
                }
            }
        }
        return rows
    }
}
