import Architectures
import Foundation
import Tensors

/// An activation's backward pass: the input gradient from the input `x` and the output gradient,
/// as PyTorch's backward formulas compute it (the same masks at the kinks).
protocol DifferentiableFunction: ElementFunction {
    static func gradient(_ x: Float, _ dy: Float) -> Float
}

extension ReLU: DifferentiableFunction { @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float { x > 0 ? dy : 0 } }
/// `hardtanh_backward(0, 6)`: the gradient passes strictly inside (0, 6).
extension ReLU6: DifferentiableFunction { @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float { x > 0 && x < 6 ? dy : 0 } }
extension HardSwish: DifferentiableFunction {
    @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float { x < -3 ? 0 : x <= 3 ? dy * (x / 3 + 0.5) : dy }
}
extension HardSigmoid: DifferentiableFunction { @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float { x > -3 && x < 3 ? dy / 6 : 0 } }
extension Sigmoid: DifferentiableFunction {
    @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float {
        let y = apply(x)
        return dy * (1 - y) * y
    }
}
extension SiLU: DifferentiableFunction {
    @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float {
        let s = 1 / (1 + Foundation.exp(-x))
        return dy * s * (1 + x * (1 - s))
    }
}
extension Tanh: DifferentiableFunction {
    @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float {
        let y = apply(x)
        return dy * (1 - y * y)
    }
}
extension GELU: DifferentiableFunction {
    @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float {
        let cdf = 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
        let pdf = VectorMath.exp(-0.5 * x * x) * 0.39894228040143268
        return dy * (cdf + x * pdf)
    }
}
extension TanhGELU: DifferentiableFunction {
    @inline(__always) static func gradient(_ x: Float, _ dy: Float) -> Float {
        let beta: Float = 0.7978845608028654, kappa: Float = 0.044715
        let inner = Foundation.tanh(beta * (x + kappa * x * x * x))
        let left = 0.5 * x, right = 1 + inner
        return dy * (0.5 * right + left * (1 - inner * inner) * beta * (1 + 3 * kappa * x * x))
    }
}

extension Activation {
    /// Whether f′ can be read off the output as well as the input: ReLU's and ReLU6's masks
    /// `y > 0` and `0 < y < 6` select exactly the inputs `x > 0` and `0 < x < 6`, so a kernel that
    /// applies them may keep only its output (`TrainingLayout` fuses them into a batch-norm).
    var isGradientReadableFromOutput: Bool { self == .relu || self == .relu6 }

    /// `dx += f′(x)·dy` (or `=`, `storing`) over `count` values, split between workers.
    func addGradient(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int, storing: Bool) {
        switch self {
        case .relu: Self.add(ReLU.self, x, dy, dx, count, storing)
        case .relu6: Self.add(ReLU6.self, x, dy, dx, count, storing)
        case .hardswish: Self.add(HardSwish.self, x, dy, dx, count, storing)
        case .hardsigmoid: Self.add(HardSigmoid.self, x, dy, dx, count, storing)
        case .sigmoid: Self.add(Sigmoid.self, x, dy, dx, count, storing)
        case .silu: Self.add(SiLU.self, x, dy, dx, count, storing)
        case .tanh: Self.add(Tanh.self, x, dy, dx, count, storing)
        case .gelu: Self.add(GELU.self, x, dy, dx, count, storing)
        case .geluTanh: Self.add(TanhGELU.self, x, dy, dx, count, storing)
        }
    }

    private static func add<F: DifferentiableFunction>(
        _: F.Type, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int, _ storing: Bool
    ) {
        nonisolated(unsafe) let (x, dy) = (x, dy)
        parallelChunks(count: count, minimumChunk: 1 << 14) { range in
            // Two plain loops rather than `storeOrAdd`'s closure, which is not inlined once GELU's
            // derivative is in it (and then does not vectorise).
            if storing {
                for index in range { dx[index] = F.gradient(x[index], dy[index]) }
            } else {
                for index in range { dx[index] += F.gradient(x[index], dy[index]) }
            }
        }
    }
}
