/// The memory one run of a plan works in: activation buffers (allocated once when the plan is
/// compiled, reused by every run), per-worker scratch, and the current batch's token inputs.
final class Workspace: @unchecked Sendable {
    /// By virtual value: values whose lifetimes do not overlap share a physical buffer.
    let buffers: [UnsafeMutablePointer<Float>]
    private let physical: [UnsafeMutablePointer<Float>]
    private let capacities: [Int]
    /// Scratch for one kernel at a time (an im2col tile, attention scores).
    let scratch: UnsafeMutablePointer<Float>
    let scratchCapacity: Int
    /// How many samples the current run holds (at most the plan's batch).
    var batch = 0
    /// Token inputs of the current run, `batch × length`, row-major.
    var tokenIDs: [Int] = []
    var tokenTypes: [Int] = []
    /// 1 where a token is attended to, 0 for padding.
    var attentionMask: [Float] = []

    init(bufferCapacities: [Int], assignment: [Int], scratchCapacity: Int) {
        capacities = bufferCapacities
        let physical = bufferCapacities.map { capacity in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(capacity, 1))
            buffer.initialize(repeating: 0, count: max(capacity, 1))
            return buffer
        }
        self.physical = physical
        buffers = assignment.map { physical[$0] }
        self.scratchCapacity = scratchCapacity
        scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(scratchCapacity, 1))
        scratch.initialize(repeating: 0, count: max(scratchCapacity, 1))
    }

    /// Bytes held by activation buffers and scratch.
    var byteCount: Int { (capacities.reduce(0, +) + scratchCapacity) * MemoryLayout<Float>.size }

    deinit {
        for buffer in physical { buffer.deallocate() }
        scratch.deallocate()
    }
}

/// One step of a compiled plan. Kernels refer to buffers by index into the workspace and read
/// the run's batch size from it; per-sample sizes are fixed when the plan is compiled.
protocol Kernel: Sendable {
    func run(_ workspace: Workspace)
}
