import Foundation
import Tensors

/// Distinct, cheap contents for a tensor: finite floats whose mantissas vary with the name and
/// the position (so a wrong permutation or slice changes the bytes), zero integers. For tests
/// that move full-size models' bytes around and need them recognisable, not meaningful.
public enum PatternedTensors {
    public static func tensor(_ name: String, shape: [Int], dtype: DType) -> Tensor {
        let result = try! Tensor(zeros: dtype, shape: Shape(shape))
        guard dtype == .f32 else { return result }
        let seed = UInt32(truncatingIfNeeded: NameKeyedWeights.seed(name))
        let values = result.storage.mutableBytes.bindMemory(to: UInt32.self)
        for index in values.indices {
            values[index] = 0x3C00_0000 | ((seed &+ UInt32(truncatingIfNeeded: index) &* 0x9E37_79B1) & 0x00FF_FFFF)
        }
        return result
    }

    /// Whether two tensors have the same dtype, shape and bytes.
    public static func identical(_ a: Tensor, _ b: Tensor) -> Bool {
        a.dtype == b.dtype && a.shape == b.shape && a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }
}
