/// `exp` and `erf` written without branches or library calls, so that loops over them vectorise
/// (glibc's `expf` and `erff` are scalar calls). They follow what PyTorch's own vectorised CPU
/// kernels compute: Cephes' `expf` (range reduction by ln 2 split in two, a degree-5 polynomial;
/// within 2 ulp of the exact value) and, for `erf`, the Abramowitz–Stegun 7.1.26 form PyTorch's
/// `Vectorized<float>::erf` uses (absolute error under 1.5e-7).
enum VectorMath {
    /// eˣ with x clamped to [ln(smallest normal float), 88] (so 2ⁿ stays a normal float): below
    /// −87.34 it returns about 1.2e-38 instead of a subnormal or 0, so callers that need an exact 0
    /// (masked attention keys) select it themselves.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let x = min(max(x, -87.33654), 88)
        // n = round(x / ln 2) by adding 1.5·2²³ (whose ulp is 1), which also leaves n in the low
        // bits of the sum: no rounding instruction (SSE4.1) or checked conversion needed.
        let magic: Float = 12_582_912
        let shifted = x * 1.44269504088896341 + magic
        let n = shifted - magic
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * r * r + r + 1
        return y * Float(bitPattern: (shifted.bitPattern &- magic.bitPattern &+ 127) << 23)
    }

    /// erf(x) = sign(x)·(1 − t·(p₁ + p₂t + p₃t² + p₄t³ + p₅t⁴)·e^(−x²)), t = 1 / (1 + p|x|).
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let a = abs(x), t = 1 / (1 + 0.3275911 * a)
        var r: Float = 1.061405429
        r = r * t - 1.453152027
        r = r * t + 1.421413741
        r = r * t - 0.284496736
        r = r * t + 0.254829592
        let magnitude = 1 - t * r * exp(-a * a)
        return x < 0 ? -magnitude : magnitude
    }
}
