/// A GPU model's published peak throughput and memory, dense (without 2:4 sparsity), from NVIDIA's
/// datasheets: T4 (Tesla T4 datasheet: FP32 8.1 TFLOPS, mixed FP16 65, 16 GB, 320 GB/s); A10
/// (A10 datasheet: FP32 31.2, TF32 62.5, FP16 125, 24 GB, 600 GB/s; AWS's A10G is a variant
/// NVIDIA publishes no datasheet for, priced here as the A10); L4 (L4 datasheet: FP32 30.3, TF32
/// 60, FP16 121, 24 GB, 300 GB/s); A100 SXM 80 GB (A100 datasheet: FP32 19.5, TF32 156, FP16 312,
/// 2,039 GB/s); H100 SXM (H100 datasheet: FP32 67, TF32 494.5, FP16 989.5, 80 GB, 3.35 TB/s).
/// The datasheets quote the tensor-core figures "with sparsity"; the values here are half those.
public struct GPUClass: Sendable, Equatable {
    public let name: String
    /// Peak TFLOP/s (two per multiply-accumulate) in plain FP32, on tensor cores in TF32 (nil:
    /// no TF32, as on the T4), and on tensor cores in FP16 with FP32 accumulation.
    public let fp32TFLOPS: Double
    public let tf32TFLOPS: Double?
    public let fp16TFLOPS: Double
    public let memoryGB: Double
    public let bandwidthGBps: Double

    /// The arithmetic a training run uses: FP32, TF32 tensor cores (PyTorch's default for
    /// convolutions on Ampere and later), or FP16 mixed precision (autocast).
    public enum Precision: String, Sendable, CaseIterable {
        case fp32, tf32, fp16
    }

    public static let t4 = GPUClass(name: "T4", fp32TFLOPS: 8.1, tf32TFLOPS: nil, fp16TFLOPS: 65, memoryGB: 16, bandwidthGBps: 320)
    public static let a10 = GPUClass(name: "A10", fp32TFLOPS: 31.2, tf32TFLOPS: 62.5, fp16TFLOPS: 125, memoryGB: 24, bandwidthGBps: 600)
    public static let l4 = GPUClass(name: "L4", fp32TFLOPS: 30.3, tf32TFLOPS: 60, fp16TFLOPS: 121, memoryGB: 24, bandwidthGBps: 300)
    public static let a100 = GPUClass(name: "A100", fp32TFLOPS: 19.5, tf32TFLOPS: 156, fp16TFLOPS: 312, memoryGB: 80, bandwidthGBps: 2039)
    public static let h100 = GPUClass(name: "H100", fp32TFLOPS: 67, tf32TFLOPS: 494.5, fp16TFLOPS: 989.5, memoryGB: 80, bandwidthGBps: 3350)

    public static let all: [GPUClass] = [t4, a10, l4, a100, h100]

    /// The class named `name` (case-insensitive; "A10G" is the A10).
    public static func named(_ name: String) -> GPUClass? {
        let wanted = name.uppercased() == "A10G" ? "A10" : name.uppercased()
        return all.first { $0.name == wanted }
    }

    /// Assumed fractions of peak a training step reaches (an assumption, not a measurement: dense
    /// convolutions and matrix products in cuDNN/cuBLAS commonly run at roughly half of peak on
    /// layers of ImageNet-model and BERT-base sizes, attention with its softmax lower; depthwise
    /// convolutions have no tensor-core path and are limited by memory, priced at a few percent of
    /// FP32 peak; element-wise work at 70% of the memory bandwidth, reading and writing each element).
    public static let achievableFraction: (dense: Double, attention: Double, depthwise: Double, bandwidth: Double) = (0.5, 0.35, 0.05, 0.7)

    /// Peak TFLOP/s for `precision` (TF32 falls back to FP32 where the GPU has none).
    public func peakTFLOPS(_ precision: Precision) -> Double {
        switch precision {
        case .fp32: fp32TFLOPS
        case .tf32: tf32TFLOPS ?? fp32TFLOPS
        case .fp16: fp16TFLOPS
        }
    }

    /// Throughput per operation kind at `precision`, with `achievableFraction` applied.
    public func throughput(_ precision: Precision) -> Throughput {
        let fraction = Self.achievableFraction
        let macs = peakTFLOPS(precision) * 1e12 / 2
        let bytesPerElement: Double = precision == .fp16 ? 2 : 4
        return Throughput(
            convolution: macs * fraction.dense, depthwiseConvolution: fp32TFLOPS * 1e12 / 2 * fraction.depthwise,
            linear: macs * fraction.dense, attention: macs * fraction.attention,
            memoryBound: bandwidthGBps * 1e9 * fraction.bandwidth / (2 * bytesPerElement))
    }
}
