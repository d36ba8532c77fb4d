import Tensors

/// The order examples are trained in: each epoch a Fisher–Yates shuffle of `0..<count` drawn from
/// `SplitMix64(seed: seed + epoch × φ)` (j = next() mod (i + 1), i from count − 1 down to 1), cut
/// into batches of `batchSize`, the last one shorter when `count` is not a multiple (PyTorch's
/// `drop_last=False`). A pure function of the step, so a resumed run draws what an uninterrupted
/// one draws, and the exported PyTorch project draws the same with ten lines of Python.
public struct EpochSampler: Sendable, Equatable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64

    public init(count: Int, batchSize: Int, seed: UInt64) {
        (self.count, self.batchSize, self.seed) = (count, max(1, batchSize), seed)
    }

    public var stepsPerEpoch: Int { (count + batchSize - 1) / batchSize }

    /// The permutation of epoch `epoch`.
    public func order(epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var generator = SplitMix64(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var i = count - 1
        while i > 0 {
            let j = Int(generator.next() % UInt64(i + 1))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    /// The examples of optimizer step `step` (0-based), and its epoch.
    public func batch(at step: Int) -> (epoch: Int, indices: [Int]) {
        let epoch = step / stepsPerEpoch, position = step % stepsPerEpoch
        let order = order(epoch: epoch)
        return (epoch, Array(order[position * batchSize..<min((position + 1) * batchSize, count)]))
    }

    /// The seed of example `index`'s augmentation draws in `epoch`.
    public func augmentationSeed(epoch: Int, example index: Int) -> UInt64 {
        var generator = SplitMix64(seed: seed ^ (UInt64(epoch) &* 0xD1B5_4A32_D192_ED03) ^ (UInt64(index) &* 0x8CB9_2BA7_2F3D_8DD7))
        return generator.next()
    }
}
