import Dispatch
import Foundation

/// The engine's one source of parallelism: work split into contiguous ranges run on every core.
/// OpenBLAS is kept single-threaded (see `ForwardPlan`) so that each range's matrix product runs
/// on the thread that owns it, with no second thread pool competing for the same cores.
enum Parallel {
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(range, worker)` over contiguous pieces of `0..<count`, each at least `grain`
    /// long where possible (a count below two grains runs inline); `worker` (below `workers`)
    /// tells which per-worker scratch the piece may use.
    static func forEach(_ count: Int, grain: Int = 1, _ body: (Range<Int>, Int) -> Void) {
        let pieces = min(workers, count / max(grain, 1))
        if pieces <= 1 {
            if count > 0 { body(0..<count, 0) }
            return
        }
        // Pieces touch disjoint ranges, so sharing the caller's closure across threads is safe.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            body(count * piece / pieces..<count * (piece + 1) / pieces, piece)
        }
    }
}
