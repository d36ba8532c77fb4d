import Dispatch
import Foundation

/// The engine's parallelism outside OpenBLAS: work split into contiguous ranges run on every core.
/// Matrix products are single sgemm calls that OpenBLAS threads itself (`ForwardPlan` gives it as
/// many threads).
enum Parallel {
    /// `ZOO_THREADS` when set to a positive number, else every core.
    static let workers = Int(ProcessInfo.processInfo.environment["ZOO_THREADS"] ?? "").flatMap { $0 > 0 ? $0 : nil }
        ?? max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(range, worker)` over contiguous pieces of `0..<count`, each at least `grain`
    /// long where possible (a count below two grains runs inline); `worker` (below `workers`)
    /// numbers the piece.
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
