import Tensors
import Testing
import Training

/// The data order: a pure function of (seed, step), each epoch a permutation cut into batches.
struct EpochSamplerTests {
    @Test func eachEpochVisitsEveryExampleOnceInBatchesWithAShortLastOne() {
        let sampler = EpochSampler(count: 10, batchSize: 4, seed: 3)
        #expect(sampler.stepsPerEpoch == 3)
        for epoch in 0..<3 {
            let batches = (0..<3).map { sampler.batch(at: epoch * 3 + $0) }
            #expect(batches.allSatisfy { $0.epoch == epoch })
            #expect(batches.map(\.indices.count) == [4, 4, 2])
            #expect(batches.flatMap(\.indices).sorted() == Array(0..<10))
            #expect(batches.flatMap(\.indices) == sampler.order(epoch: epoch))
        }
        #expect(sampler.order(epoch: 0) != sampler.order(epoch: 1))
    }

    @Test func theOrderIsFisherYatesOverSplitMix64() {
        // j = next() mod (i + 1) for i from count − 1 down to 1, the generator seeded with seed + epoch × φ.
        let sampler = EpochSampler(count: 5, batchSize: 5, seed: 11)
        var generator = SplitMix64(seed: 11 &+ 2 &* 0x9E37_79B9_7F4A_7C15)
        var expected = [0, 1, 2, 3, 4]
        for i in stride(from: 4, to: 0, by: -1) { expected.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        #expect(sampler.order(epoch: 2) == expected)
        #expect(EpochSampler(count: 5, batchSize: 5, seed: 12).order(epoch: 2) != expected)
    }
}
