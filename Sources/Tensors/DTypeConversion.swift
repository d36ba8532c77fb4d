import Foundation
import Dispatch

extension DType {
    /// The bit layout of a convertible float type.
    public var floatFormat: FloatFormat? {
        switch self {
        case .f64: .f64
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        default: nil
        }
    }
}

/// Why a dtype conversion was refused.
public struct DTypeConversionError: Error, CustomStringConvertible, Equatable {
    public let from: DType
    public let to: DType

    public init(from: DType, to: DType) {
        self.from = from
        self.to = to
    }
    public var description: String {
        "cannot convert \(from.rawValue) to \(to.rawValue): only F64, F32, F16 and BF16 convert among themselves"
    }
}

extension Tensor {
    /// This tensor in `target` dtype, rounding to nearest even; `self` when the dtype already matches.
    /// Conversions are exact where the target can represent the value; NaN and infinity keep their
    /// sign; NaN payloads follow NumPy for f16 and ml_dtypes/PyTorch for bf16.
    public func converted(to target: DType) throws(DTypeConversionError) -> Tensor {
        if target == dtype { return self }
        guard let source = dtype.floatFormat, let destination = target.floatFormat else {
            throw DTypeConversionError(from: dtype, to: target)
        }
        let count = elementCount
        let storage = TensorStorage(zeroedByteCount: count * target.size)
        let input = bytes, output = storage.mutableBytes
        let kernel = FloatKernel(from: dtype, to: target, source: source, destination: destination)
        parallelChunks(count: count) { range in kernel.run(input, output, range) }
        // The shape was already validated for this tensor; only the element size changes.
        return try! Tensor(dtype: target, shape: shape, storage: storage)
    }
}

extension Tensor {
    /// The elements as float32 (a copy; f64, f16 and bf16 converted as `converted(to:)` does),
    /// made a few MiB at a time, dropping a mapped tensor's pages as they are copied: the resident
    /// set grows by the copy alone, not by the file's pages as well.
    public func floats() throws(DTypeConversionError) -> [Float] {
        guard let source = dtype.floatFormat else { throw DTypeConversionError(from: dtype, to: .f32) }
        let kernel = FloatKernel(from: dtype, to: .f32, source: source, destination: .f32)
        let count = elementCount, part = 1 << 20
        return withExtendedLifetime(storage) {
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                let input = bytes, output = UnsafeMutableRawBufferPointer(buffer)
                for start in stride(from: 0, to: count, by: part) {
                    let range = start..<min(count, start + part)
                    if dtype == .f32 {
                        let width = MemoryLayout<Float>.stride
                        (output.baseAddress! + start * width).copyMemory(from: input.baseAddress! + start * width, byteCount: range.count * width)
                    } else {
                        parallelChunks(count: range.count) { chunk in kernel.run(input, output, chunk.lowerBound + start..<chunk.upperBound + start) }
                    }
                    storage.releaseMappedPages(0..<range.upperBound * dtype.size)
                }
                initialized = count
            }
        }
    }
}

/// One element-wise float conversion, specialised per (source, target) pair so the inner loops
/// are monomorphic.
private struct FloatKernel {
    let from: DType, to: DType
    let source: FloatFormat, destination: FloatFormat

    func run(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
        switch (from, to) {
        case (.f32, .f64): map(input, output, range) { (x: Float) -> Double in Double(x) }
        case (.f64, .f32): map(input, output, range) { (x: Double) -> Float in Float(x) }
        case (.f32, _), (_, .f32):
            // One side is f32: 32-bit words on that side, 16-bit on the other.
            if from == .f32 {
                map(input, output, range) { (x: UInt32) -> UInt16 in UInt16(truncatingIfNeeded: destination.convert(UInt64(x), from: source)) }
            } else {
                map(input, output, range) { (x: UInt16) -> UInt32 in UInt32(truncatingIfNeeded: destination.convert(UInt64(x), from: source)) }
            }
        case (.bf16, .f64):
            // ml_dtypes widens bf16 through f32 and the hardware float→double conversion, which
            // quiets signalling NaNs; going the same way gives the same bits.
            map(input, output, range) { (x: UInt16) -> Double in Double(Float(bitPattern: UInt32(x) << 16)) }
        case (.f64, _):
            map(input, output, range) { (x: UInt64) -> UInt16 in UInt16(truncatingIfNeeded: destination.convert(x, from: source)) }
        case (_, .f64):
            map(input, output, range) { (x: UInt16) -> UInt64 in destination.convert(UInt64(x), from: source) }
        default:
            // f16 <-> bf16: exact through f32, then a single rounding. ml_dtypes writes the
            // canonical quiet NaN for bf16 → f16 too, not NumPy's payload-keeping one.
            let destination = from == .bf16 ? FloatFormat.f16.withCanonicalNaN : destination
            map(input, output, range) { (x: UInt16) -> UInt16 in
                let wide = FloatFormat.f32.convert(UInt64(x), from: source)
                return UInt16(truncatingIfNeeded: destination.convert(wide, from: .f32))
            }
        }
    }

    @inline(__always)
    private func map<In: BitwiseCopyable, Out: BitwiseCopyable>(
        _ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer, _ range: Range<Int>,
        _ body: (In) -> Out
    ) {
        // Mapped sources may sit at any byte offset, so loads are unaligned; outputs are owned and aligned.
        let dst = output.baseAddress!.assumingMemoryBound(to: Out.self)
        let stride = MemoryLayout<In>.stride
        for index in range { dst[index] = body(input.loadUnaligned(fromByteOffset: index * stride, as: In.self)) }
    }
}
