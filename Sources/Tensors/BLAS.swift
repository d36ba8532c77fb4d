import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS

/// Thin, typed wrappers over OpenBLAS: every matrix product in zoo goes through here.
public enum BLAS {
    /// C = alpha·op(A)·op(B) + beta·C for row-major single-precision matrices, where op(A) is m×k
    /// and op(B) is k×n.
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension BLAS {
    /// OpenBLAS's own thread count. The engine sets it to 1 and splits work itself, so that
    /// two pools of threads never compete for the same cores.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}

extension BLAS {
    /// Calls `body(items, worker)` over `0..<count` split into one contiguous block per worker,
    /// with OpenBLAS single-threaded meanwhile: for many products each too small to be worth
    /// splitting (attention's per-head products), which otherwise pay OpenBLAS's thread hand-off
    /// on every call. Each item is computed by one thread, so results do not depend on the
    /// thread count. `worker` (0 ..< `workerThreadCount`) selects the caller's scratch.
    public static func independentProducts(count: Int, _ body: (Range<Int>, Int) -> Void) {
        let workers = max(1, min(workerThreadCount, count))
        guard workers > 1 else { return body(0..<count, 0) }
        // The thread count is process-wide: not while a `keepingThreadCount` body runs elsewhere.
        pthread_rwlock_wrlock(threadCountLock)
        defer { pthread_rwlock_unlock(threadCountLock) }
        let previous = threads
        threads = 1
        defer { threads = previous }
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            body(count * worker / workers..<count * (worker + 1) / workers, worker)
        }
    }
}

extension BLAS {
    /// Guards OpenBLAS's process-wide thread count: `independentProducts` holds it exclusively while
    /// it runs OpenBLAS single-threaded, and `keepingThreadCount` shared.
    nonisolated(unsafe) private static let threadCountLock: UnsafeMutablePointer<pthread_rwlock_t> = {
        let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        pthread_rwlock_init(lock, nil)
        return lock
    }()

    /// Runs `body` with OpenBLAS's thread count left as it is meanwhile (no `independentProducts`
    /// elsewhere switches it to one thread): for routines whose rounding depends on how OpenBLAS
    /// splits them (LAPACK's eigen-decomposition), so that the same inputs give the same result.
    public static func keepingThreadCount<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_rwlock_rdlock(threadCountLock)
        defer { pthread_rwlock_unlock(threadCountLock) }
        return try body()
    }
}
