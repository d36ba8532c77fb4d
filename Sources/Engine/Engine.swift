/// The CPU inference engine: a `ModelGraph` compiled into a `ForwardPlan` of kernels.
public enum Engine {
    /// Threads the engine splits work over: `ZOO_THREADS` when set, else every core.
    public static var workerThreads: Int { Parallel.workers }
}
