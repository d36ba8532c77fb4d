import Engine

/// Global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_(parameters, max_norm)`
/// (`norm_type=2`) computes it.
public enum GradientClipping {
    /// Scales the gradients of `parameters` (those without one are skipped) by
    /// `min(1, max_norm / (total + 1e-6))`, where `total` is the 2-norm of the per-tensor 2-norms,
    /// and returns `total`, the norm before clipping. As torch does, the coefficient is computed in
    /// float32 (`reciprocal(total + 1e-6) × max_norm`, clamped to 1) and every gradient is
    /// multiplied by it, even when it is 1. The norms are summed in Double and rounded to Float once
    /// each, so they can differ from torch's float32 vector sums, whose order depends on the
    /// processor's vector width, in the last bits.
    @discardableResult
    public static func clipGlobalNorm(of parameters: [Parameter], maxNorm: Double) -> Float {
        let gradients = parameters.compactMap { parameter in parameter.gradient.map { ($0, parameter.count) } }
        guard !gradients.isEmpty else { return 0 }
        let norms = gradients.map { gradient, count in
            Float((0..<count).reduce(0.0) { $0 + Double(gradient[$1]) * Double(gradient[$1]) }.squareRoot())
        }
        let total = Float(norms.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        let coefficient = min(1 / (total + Float(1e-6)) * Float(maxNorm), 1)
        for (gradient, count) in gradients {
            for k in 0..<count { gradient[k] *= coefficient }
        }
        return total
    }
}
