import Foundation

/// Where training runs: this machine's CPU, priced by its `Calibration`, or `count` GPUs of a
/// class, priced from published throughput (`GPUClass`).
public enum DeviceClass: Sendable, Equatable {
    case cpu(Calibration)
    case gpu(GPUClass, count: Int = 1, precision: GPUClass.Precision = .tf32)

    /// Assumed efficiency of data-parallel training on several GPUs (gradients all-reduced each
    /// step): a step of the whole batch takes a single GPU's time / (count × this). An
    /// assumption for GPUs of one machine on NVLink or PCIe; across machines it is lower.
    public static let dataParallelEfficiency = 0.9

    /// The factor each estimate is assumed good to (the true figure within estimate ÷ f … × f):
    /// 1.5 on a calibrated CPU (the bench checks the forward pass against the engine), 2.5 on a
    /// GPU priced from datasheets and assumed fractions, which no test here can measure.
    public var uncertaintyFactor: Double {
        if case .cpu = self { return 1.5 }
        return 2.5
    }

    /// Speed per operation kind of one device.
    public var throughput: Throughput {
        switch self {
        case .cpu(let calibration): calibration.throughput
        case .gpu(let gpu, _, let precision): gpu.throughput(precision)
        }
    }

    /// Speed per operation kind of one device's backward pass, in the units of `throughput`, per
    /// unit of `ModelGraph.backwardWork`: the CPU's measured by the calibration's backward probes;
    /// a GPU's assumed equal to its forward throughput (no backward measurement of a GPU here).
    public var backwardThroughput: Throughput {
        switch self {
        case .cpu(let calibration): calibration.backward
        case .gpu(let gpu, _, let precision): gpu.throughput(precision)
        }
    }

    /// Devices a batch is split across.
    public var count: Int {
        if case .gpu(_, let count, _) = self { return max(1, count) }
        return 1
    }

    /// Speed-up of a step over one device: count × the data-parallel efficiency (1 for one device).
    public var parallelSpeedup: Double { count == 1 ? 1 : Double(count) * Self.dataParallelEfficiency }

    /// Memory of one device in bytes: a GPU's, or this machine's RAM for the CPU.
    public var memoryBytes: Int {
        switch self {
        case .cpu: Int(ProcessInfo.processInfo.physicalMemory)
        case .gpu(let gpu, _, _): Int(gpu.memoryGB * 1e9)
        }
    }

    public var name: String {
        switch self {
        case .cpu(let calibration): "CPU (\(calibration.key.cpu), \(calibration.key.threads) threads)"
        case .gpu(let gpu, let count, let precision): (count > 1 ? "\(count)×" : "") + gpu.name + " " + precision.rawValue
        }
    }
}
