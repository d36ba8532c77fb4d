import Dispatch
import Foundation

/// Makes the batches of coming optimizer steps on a worker thread while the current step
/// computes, up to `depth` steps ahead, as PyTorch's DataLoader workers do. A batch is a pure
/// function of its step, so running ahead never changes what a step trains on, and a resumed
/// run simply starts at its step. `take(_:)` hands over a step's batch, waiting only when it is
/// not ready yet; the seconds it waited are what a report counts as loading.
final class BatchPrefetcher<Batch: Sendable>: @unchecked Sendable {
    private let make: @Sendable (Int) throws -> Batch
    private let end: Int
    private let depth: Int
    private let queue = DispatchQueue(label: "zoo.batch-prefetch", qos: .userInitiated)
    /// Guards `ready`, `scheduled` and `stopped`.
    private let condition = NSCondition()
    private var ready: [Int: Result<Batch, any Error>] = [:]
    /// The next step not handed to the worker yet.
    private var scheduled: Int
    private var stopped = false

    /// Batches for steps `start..<end`, made by `make`.
    init(from start: Int, to end: Int, depth: Int = 2, make: @escaping @Sendable (Int) throws -> Batch) {
        (self.make, self.end, self.depth, scheduled) = (make, end, max(1, depth), start)
    }

    /// Step `step`'s batch (steps are taken in order) and the seconds spent waiting for it; the
    /// worker is kept `depth` steps ahead. Rethrows what making the batch threw.
    func take(_ step: Int) throws -> (batch: Batch, waited: Double) {
        condition.lock()
        defer { condition.unlock() }
        precondition(step < scheduled || step == scheduled, "BatchPrefetcher: step \(step) taken before step \(scheduled)")
        while scheduled <= min(step + depth, end - 1) {
            let next = scheduled
            queue.async { self.produce(next) }
            scheduled += 1
        }
        let begin = DispatchTime.now().uptimeNanoseconds
        while ready[step] == nil { condition.wait() }
        let waited = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
        return (try ready.removeValue(forKey: step)!.get(), waited)
    }

    /// Makes no more batches (those under way finish and are dropped).
    func stop() {
        condition.lock()
        stopped = true
        ready.removeAll()
        condition.unlock()
    }

    private func produce(_ step: Int) {
        condition.lock()
        let skip = stopped
        condition.unlock()
        guard !skip else { return }
        let result = Result { try make(step) }
        condition.lock()
        if !stopped { ready[step] = result }
        condition.broadcast()
        condition.unlock()
    }
}
