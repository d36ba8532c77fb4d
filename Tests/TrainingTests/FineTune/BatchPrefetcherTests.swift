import Foundation
import Synchronization
import Testing

@testable import Training

/// Batches made ahead on a worker thread: each step gets exactly its own batch, the worker runs
/// ahead of the step that is taken, a failure surfaces at its step, and nothing is made past the end.
@Suite struct BatchPrefetcherTests {
    struct Failure: Error, Equatable { let step: Int }

    @Test func eachStepGetsItsBatchAndTheWorkerRunsAhead() throws {
        let made = Mutex<[Int]>([])
        let prefetcher = BatchPrefetcher(from: 3, to: 9, depth: 2) { step in
            made.withLock { $0.append(step) }
            return step * step
        }
        let (first, _) = try prefetcher.take(3)
        #expect(first == 9)
        // While step 3 trains, steps 4 and 5 are made without being asked for.
        let deadline = Date().addingTimeInterval(5)
        while made.withLock({ $0.count }) < 3 && Date() < deadline { usleep(1000) }
        #expect(made.withLock { $0 } == [3, 4, 5])
        for step in 4..<9 { #expect(try prefetcher.take(step).batch == step * step) }
        #expect(made.withLock { $0 } == Array(3..<9), "nothing is made past the end")
    }

    @Test func aFailureSurfacesAtItsOwnStep() throws {
        let prefetcher = BatchPrefetcher(from: 0, to: 4) { step in
            if step == 2 { throw Failure(step: step) }
            return step
        }
        #expect(try prefetcher.take(0).batch == 0 && prefetcher.take(1).batch == 1)
        #expect(throws: Failure(step: 2)) { try prefetcher.take(2) }
        prefetcher.stop()
    }
}
