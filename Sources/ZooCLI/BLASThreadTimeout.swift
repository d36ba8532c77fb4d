#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS's idle worker threads keep spinning (`sched_yield`) for 2²⁸ CPU cycles after each
/// matrix product before they sleep, so between products they take cores from zoo's own kernels
/// (bias and activation passes, attention, layer norm, image decoding). `OPENBLAS_THREAD_TIMEOUT`
/// shortens the spin, but OpenBLAS reads it only when the library loads; so, unless the user set
/// it, zoo sets it and re-executes itself once, first thing (same process ID, arguments and open
/// descriptors). `make finetune-check` on 2 cores, before and after (BENCHMARKS.md): MiniLM's
/// linear probe 150 s → 135 s, its top 2 layers 210 s → 197 s, PyTorch's side unchanged.
enum BLASThreadTimeout {
    static let variable = "OPENBLAS_THREAD_TIMEOUT"
    /// 2⁸ cycles: the workers sleep almost as soon as their share of a product is done.
    static let value = "8"

    /// Re-executes zoo with the timeout set, when it is not; returns only when it was already set
    /// or the re-execution failed (then OpenBLAS's default spin is kept).
    static func reexecuteIfNeeded() {
        #if os(Linux)
        guard getenv(variable) == nil else { return }
        setenv(variable, value, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }
}
