/// An IEEE-754-style binary floating-point layout, and exact conversion between any two of them
/// with round-to-nearest-even. One routine serves every direction (widening is the case that
/// never rounds), so f16, bf16, f32 and f64 share a single, exhaustively tested path.
public struct FloatFormat: Sendable, Equatable {
    public let exponentBits: Int
    public let mantissaBits: Int
    /// How NaNs are written in this format: keep the source payload (NumPy's rule for f16) or
    /// write the canonical quiet NaN with the source sign (ml_dtypes' and PyTorch's rule for bf16).
    public let canonicalNaN: Bool

    public static let f64 = FloatFormat(exponentBits: 11, mantissaBits: 52, canonicalNaN: false)
    public static let f32 = FloatFormat(exponentBits: 8, mantissaBits: 23, canonicalNaN: false)
    public static let f16 = FloatFormat(exponentBits: 5, mantissaBits: 10, canonicalNaN: false)
    public static let bf16 = FloatFormat(exponentBits: 8, mantissaBits: 7, canonicalNaN: true)

    /// The same layout, writing canonical NaNs.
    public var withCanonicalNaN: FloatFormat { FloatFormat(exponentBits: exponentBits, mantissaBits: mantissaBits, canonicalNaN: true) }

    var bias: Int { (1 << (exponentBits - 1)) - 1 }
    var exponentMax: UInt64 { (1 << UInt64(exponentBits)) - 1 }
    var mantissaMask: UInt64 { (1 << UInt64(mantissaBits)) - 1 }
    var signShift: UInt64 { UInt64(exponentBits + mantissaBits) }

    /// Converts the bit pattern `bits` of a value in `source` to this format.
    @inline(__always)
    public func convert(_ bits: UInt64, from source: FloatFormat) -> UInt64 {
        let sign = (bits >> source.signShift) & 1
        let exponent = (bits >> UInt64(source.mantissaBits)) & source.exponentMax
        let mantissa = bits & source.mantissaMask
        let signOut = sign << signShift

        if exponent == source.exponentMax {
            if mantissa == 0 { return signOut | (exponentMax << UInt64(mantissaBits)) }
            return signOut | (exponentMax << UInt64(mantissaBits)) | nanPayload(mantissa, from: source)
        }
        if exponent == 0 && mantissa == 0 { return signOut }

        // value = significand × 2^scale, significand an integer with its leading bit at `lead`.
        let significand = exponent == 0 ? mantissa : mantissa | (1 << UInt64(source.mantissaBits))
        let scale = (exponent == 0 ? 1 : Int(exponent)) - source.bias - source.mantissaBits
        let lead = 63 - significand.leadingZeroBitCount
        let unbiased = lead + scale
        let minNormal = 1 - bias
        // The spacing of representable values around this one, as a power of two.
        let quantum = (unbiased < minNormal ? minNormal : unbiased) - mantissaBits
        let shift = quantum - scale

        var rounded: UInt64
        if shift <= 0 {
            rounded = significand << UInt64(-shift)
        } else if shift >= 64 {
            rounded = 0
        } else {
            rounded = significand >> UInt64(shift)
            let remainder = significand & ((1 << UInt64(shift)) - 1)
            let half: UInt64 = 1 << UInt64(shift - 1)
            if remainder > half || (remainder == half && rounded & 1 == 1) { rounded += 1 }
        }

        let encoded: UInt64
        if unbiased < minNormal {
            encoded = rounded  // subnormal; a carry into 1 << mantissaBits is the smallest normal
        } else {
            encoded = (UInt64(unbiased + bias) << UInt64(mantissaBits)) + (rounded - (1 << UInt64(mantissaBits)))
        }
        if encoded >= exponentMax << UInt64(mantissaBits) { return signOut | (exponentMax << UInt64(mantissaBits)) }
        return signOut | encoded
    }

    @inline(__always)
    private func nanPayload(_ mantissa: UInt64, from source: FloatFormat) -> UInt64 {
        if canonicalNaN { return 1 << UInt64(mantissaBits - 1) }
        let payload = source.mantissaBits >= mantissaBits
            ? mantissa >> UInt64(source.mantissaBits - mantissaBits)
            : mantissa << UInt64(mantissaBits - source.mantissaBits)
        return payload == 0 ? 1 : payload
    }
}
