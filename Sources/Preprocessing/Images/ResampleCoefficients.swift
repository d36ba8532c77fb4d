import Foundation

/// The weights of one axis of a PIL resize (Resample.c's precompute_coeffs followed by
/// normalize_coeffs_8bpc), computed once per output row or column: output index `i` averages the
/// `counts[i]` input samples from `firsts[i]` on with the fixed-point weights
/// `weights[i * taps ..< i * taps + counts[i]]`, which sum to about 2^precisionBits.
struct ResampleCoefficients {
    /// PIL's PRECISION_BITS = 32 - 8 - 2: 8 bits of result, 2 spare for the kernel's negative lobes.
    static let precisionBits = 22

    let firsts: [Int]
    let counts: [Int]
    let weights: [Int32]
    /// The stride of `weights`: the most input samples any output index can use.
    let taps: Int

    init(inputSize: Int, outputSize: Int, filter: ResizeFilter) {
        // PIL takes the box edges as floats: (in1 - in0) is float arithmetic, exact for these sizes.
        let scale = Double(Float(inputSize)) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let kernelStep = 1 / filterScale  // PIL multiplies by the reciprocal; dividing would round differently
        taps = Int(support.rounded(.up)) * 2 + 1
        var firsts = [Int](repeating: 0, count: outputSize)
        var counts = [Int](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * taps)
        var kernel = [Double](repeating: 0, count: taps)
        for index in 0..<outputSize {
            let center = (Double(index) + 0.5) * scale
            // C's (int) casts truncate toward zero, as Int(_: Double) does.
            let first = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inputSize) - first
            var total = 0.0
            for tap in 0..<count {
                kernel[tap] = filter.weight((Double(tap + first) - center + 0.5) * kernelStep)
                total += kernel[tap]
            }
            for tap in 0..<count {
                let normalised = total != 0 ? kernel[tap] / total : kernel[tap]
                let fixed = normalised * Double(1 << Self.precisionBits)
                weights[index * taps + tap] = Int32(normalised < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            firsts[index] = first
            counts[index] = count
        }
        self.firsts = firsts
        self.counts = counts
        self.weights = weights
    }
}
