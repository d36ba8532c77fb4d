/// The float32 arithmetic of torch's CPU kernels, which the optimizers reproduce. Where torch's
/// vectorised kernels fuse a multiply and an add (`add(other, alpha=)`, `addcmul`, `lerp`:
/// `vec::fmadd`; GCC contracts their scalar tails the same way), so does zoo; scalars that torch
/// passes as Python floats are rounded to Float once, as its kernels cast them.
enum TorchArithmetic {
    /// `a × b + c` rounded once, as a fused multiply-add: the product is exact in Double
    /// (24 + 24 bits), the sum is rounded to Double and then to Float. The two roundings differ from
    /// one only when the Double falls exactly halfway between two Floats (about once in 2²⁸
    /// operations, by one unit in the last place); unlike `Float.addingProduct`, which becomes a
    /// call to `fmaf` without the FMA instructions enabled, this vectorises.
    @inline(__always)
    static func fused(_ a: Float, _ b: Float, _ c: Float) -> Float { Float(Double(a) * Double(b) + Double(c)) }

    /// `torch.lerp(start, end, weight)` with a scalar weight, as its vectorised kernel computes
    /// it: `start + weight·(end − start)` for |weight| < 0.5, `end + (weight − 1)·(end − start)`
    /// otherwise, each a fused multiply-add.
    @inline(__always)
    static func lerp(_ start: Float, _ end: Float, weight: Float) -> Float {
        abs(weight) < 0.5 ? fused(weight, end - start, start) : fused(weight - 1, end - start, end)
    }
}
