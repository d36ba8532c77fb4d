import Testing
import Training

/// The micro-batch split and loss scales that the fixture's torch run used.
struct GradientAccumulationTests {
    @Test("micro-batches as the fixture split them, covering the step's examples in order", arguments: OptimizerFixture.cases)
    func microBatches(_ c: OptimizerCase) {
        let accumulation = GradientAccumulation(examples: c.examples, microBatchSize: c.microBatchSize)
        let batches = accumulation.microBatches
        #expect(batches.map(\.count) == c.microBatchSizes)
        #expect(batches.first?.lowerBound == 0 && batches.last?.upperBound == c.examples)
        #expect(zip(batches, batches.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }
}
