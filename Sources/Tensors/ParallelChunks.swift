import Dispatch
import Foundation

/// How many threads zoo splits work over: `ZOO_THREADS` when set to a positive number, else every
/// core. Element-wise work (`parallelChunks`), the engine's kernels and OpenBLAS all use it.
public let workerThreadCount = Int(ProcessInfo.processInfo.environment["ZOO_THREADS"] ?? "").flatMap { $0 > 0 ? $0 : nil }
    ?? max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Splits `0..<count` into contiguous chunks of at least `minimumChunk` (where possible) run on
/// `workerThreadCount` threads; small counts run inline.
public func parallelChunks(count: Int, minimumChunk: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
    let chunks = min(workerThreadCount, max(1, count / minimumChunk))
    if chunks <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let step = (count + chunks - 1) / chunks
    // Chunks touch disjoint ranges, so sharing the caller's closure across threads is safe.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * step
        body(start..<min(count, start + step))
    }
}
