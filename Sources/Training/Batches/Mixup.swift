import Foundation
import Tensors

/// Mixup (Zhang et al., 2018) as BiT applies it: each step draws λ ~ Beta(α, α) and a partner for
/// every example (a permutation of the batch); image i becomes `λ·x[i] + (1 − λ)·x[partner[i]]`
/// and the loss `λ·loss(y) + (1 − λ)·loss(y[partner])` (`Targets.mixed`). The draws are a pure
/// function of the run's seed and the step, so a resumed run mixes as an uninterrupted one.
public struct Mixup: Sendable, Equatable {
    /// Beta's α (both shape parameters); > 0.
    public let alpha: Double

    /// One step's mixing weight and partners.
    public struct Draw: Sendable, Equatable {
        public let lambda: Double
        /// `partner[i]`: the batch position example i is mixed with.
        public let partner: [Int]

        public init(lambda: Double, partner: [Int]) { (self.lambda, self.partner) = (lambda, partner) }
    }

    public init(alpha: Double) { self.alpha = alpha }

    /// The draw of optimizer step `step` for a batch of `count`: λ from two Gamma(α) draws, then a
    /// Fisher–Yates shuffle of the positions, all from `SplitMix64(seed ^ (step + 1)·φ′)`.
    public func draw(seed: UInt64, step: Int, count: Int) -> Draw {
        var generator = SplitMix64(seed: seed ^ (UInt64(step + 1) &* 0xA24B_AED4_963E_E407))
        let x = Self.gamma(alpha, &generator), y = Self.gamma(alpha, &generator)
        var partner = Array(0..<count)
        var i = count - 1
        while i > 0 {
            partner.swapAt(i, Int(generator.next() % UInt64(i + 1)))
            i -= 1
        }
        return Draw(lambda: x + y > 0 ? x / (x + y) : 0.5, partner: partner)
    }

    /// `count` preprocessed images (`[count, …]`, row-major) mixed as `draw` says.
    public func mix(images: [Float], count: Int, _ draw: Draw) -> [Float] {
        let size = images.count / max(count, 1)
        let (keep, take) = (Float(draw.lambda), Float(1 - draw.lambda))
        var mixed = [Float](repeating: 0, count: images.count)
        for row in 0..<count {
            let own = row * size, other = draw.partner[row] * size
            for index in 0..<size { mixed[own + index] = keep * images[own + index] + take * images[other + index] }
        }
        return mixed
    }

    /// A Gamma(shape, 1) draw: Marsaglia and Tsang's method, with the shape-below-one boost
    /// `Gamma(a) = Gamma(a + 1)·U^(1/a)`; normals by Box–Muller.
    static func gamma(_ shape: Double, _ generator: inout SplitMix64) -> Double {
        if shape < 1 {
            let boost = pow(1 - generator.nextUniform(), 1 / shape)
            return gamma(shape + 1, &generator) * boost
        }
        let d = shape - 1.0 / 3, c = 1 / sqrt(9 * d)
        while true {
            let normal = sqrt(-2 * log(1 - generator.nextUniform())) * cos(2 * Double.pi * generator.nextUniform())
            let v = pow(1 + c * normal, 3)
            guard v > 0 else { continue }
            let u = 1 - generator.nextUniform()
            if log(u) < normal * normal / 2 + d - d * v + d * log(v) { return d * v }
        }
    }
}
