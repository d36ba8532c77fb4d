import Architectures
import Foundation

/// An element-wise function the compiler can specialise loops over.
protocol ElementFunction {
    static func apply(_ x: Float) -> Float
}

/// Each activation exactly as PyTorch defines it (same operation order, float32).
enum ReLU: ElementFunction { static func apply(_ x: Float) -> Float { max(x, 0) } }
enum ReLU6: ElementFunction { static func apply(_ x: Float) -> Float { min(max(x, 0), 6) } }
enum HardSwish: ElementFunction { static func apply(_ x: Float) -> Float { x * min(max(x + 3, 0), 6) / 6 } }
enum HardSigmoid: ElementFunction { static func apply(_ x: Float) -> Float { min(max(x + 3, 0), 6) / 6 } }
enum Sigmoid: ElementFunction { static func apply(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) } }
enum SiLU: ElementFunction { static func apply(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) } }
enum Tanh: ElementFunction { static func apply(_ x: Float) -> Float { Foundation.tanh(x) } }
/// GELU in its exact erf form (erf as PyTorch's vectorised kernel computes it, `VectorMath.erf`).
enum GELU: ElementFunction { static func apply(_ x: Float) -> Float { 0.5 * x * (1 + VectorMath.erf(x * 0.70710678118654752)) } }
/// GELU's tanh approximation (Google's original BERT, PyTorch's `approximate="tanh"`).
enum TanhGELU: ElementFunction {
    static func apply(_ x: Float) -> Float { 0.5 * x * (1 + Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))) }
}
enum Identity: ElementFunction { static func apply(_ x: Float) -> Float { x } }

/// What a kernel applies to each value it writes: a per-channel bias (channels innermost), then
/// an activation. Convolutions, linear layers and sums end with one, so no separate pass over
/// memory is needed for a bias, a folded batch-norm or the activation after them.
struct Epilogue: Sendable {
    var bias: [Float]?
    var activation: Activation?

    static let none = Epilogue(bias: nil, activation: nil)

    /// Applies the epilogue in place to `rows` rows of `width` values (`width` = channels).
    func apply(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        switch activation {
        case nil: run(Identity.self, values, rows, width)
        case .relu: run(ReLU.self, values, rows, width)
        case .relu6: run(ReLU6.self, values, rows, width)
        case .hardswish: run(HardSwish.self, values, rows, width)
        case .hardsigmoid: run(HardSigmoid.self, values, rows, width)
        case .sigmoid: run(Sigmoid.self, values, rows, width)
        case .silu: run(SiLU.self, values, rows, width)
        case .tanh: run(Tanh.self, values, rows, width)
        case .gelu: run(GELU.self, values, rows, width)
        case .geluTanh: run(TanhGELU.self, values, rows, width)
        }
    }

    private func run<F: ElementFunction>(_: F.Type, _ values: UnsafeMutablePointer<Float>, _ rows: Int, _ width: Int) {
        if let bias {
            bias.withUnsafeBufferPointer { bias in
                for row in 0..<rows {
                    let line = values + row * width
                    for channel in 0..<width { line[channel] = F.apply(line[channel] + bias[channel]) }
                }
            }
        } else if F.self != Identity.self {
            for index in 0..<rows * width { values[index] = F.apply(values[index]) }
        }
    }
}
