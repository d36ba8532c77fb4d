import Foundation
import Tensors

/// The deterministic, name-keyed weights and inputs the engine tests fill models with, so that
/// full-size models are checked against PyTorch without full-size fixtures: each tensor comes
/// from a SplitMix64 stream seeded by the FNV-1a hash of its name, with float32 rules decided by
/// name, rank and dtype. The exact specification, shared with the Python generator, is in
/// formats/engine/README.md ("Weight generator").
public enum NameKeyedWeights {
    /// FNV-1a 64 of the name's UTF-8 bytes.
    public static func seed(_ name: String) -> UInt64 {
        name.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }

    /// A uniform in [0, 1) with 24 bits, exactly representable as a Float.
    public static func uniform(_ rng: inout SplitMix64) -> Float { Float(rng.next() >> 40) * 0x1p-24 }

    /// What a tensor is, by the specification's rules (first match wins).
    public enum Kind: String, Sendable {
        case integer, runningMean = "running_mean", runningVar = "running_var", weight, bias, normWeight = "norm_weight"
    }

    public static func kind(name: String, rank: Int, dtype: DType) -> Kind? {
        if [.i64, .i32, .i16, .i8, .u8].contains(dtype) { return .integer }
        if name.hasSuffix("running_mean") { return .runningMean }
        if name.hasSuffix("running_var") { return .runningVar }
        if rank >= 2 { return .weight }
        if rank == 1 && name.hasSuffix(".bias") { return .bias }
        if rank == 1 && name.hasSuffix(".weight") { return .normWeight }
        return nil
    }

    /// `a = Float(sqrt(c / fanIn))`, computed in Double and rounded once.
    public static func scale(gain: Double, shape: Shape) -> Float {
        Float((gain / Double(shape.dims.dropFirst().reduce(1, *))).squareRoot())
    }

    /// The tensor called `name` (nil for a name no rule covers).
    public static func tensor(name: String, shape: Shape, dtype: DType, gain: Double) -> Tensor? {
        guard let kind = kind(name: name, rank: shape.rank, dtype: dtype) else { return nil }
        if kind == .integer { return try? Tensor(zeros: dtype, shape: shape) }
        var rng = SplitMix64(seed: seed(name))
        let a = kind == .weight ? scale(gain: gain, shape: shape) : 0
        let values = (0..<shape.elements).map { _ -> Float in
            let u = uniform(&rng)
            let s = 2 * u - 1
            switch kind {
            case .weight: return s * a
            case .bias, .runningMean: return s * Float(0.1)
            case .normWeight: return 1 + s * Float(0.1)
            case .runningVar: return 0.5 + u
            case .integer: return 0
            }
        }
        return Tensor(values, dtype: .f32, shape: shape)
    }

    /// The image input: `[batch, 3, size, size]` of `s` values from the stream seeded by "input".
    public static func image(batch: Int = 2, size: Int) -> Tensor {
        var rng = SplitMix64(seed: seed("input"))
        let values = (0..<batch * 3 * size * size).map { _ in 2 * uniform(&rng) - 1 }
        return Tensor(values, dtype: .f32, shape: [batch, 3, size, size])
    }

    /// Token ids `[2, 16]`: `1000 + next() % 1000` from the stream seeded by "input_ids", row 1
    /// padded with `pad` from position 11; and the attention mask.
    public static func tokens(pad: Int) -> (ids: [[Int]], mask: [[Int]]) {
        var rng = SplitMix64(seed: seed("input_ids"))
        var ids = (0..<2).map { _ in (0..<16).map { _ in 1000 + Int(rng.next() % 1000) } }
        var mask = [[Int]](repeating: [Int](repeating: 1, count: 16), count: 2)
        for position in 11..<16 {
            ids[1][position] = pad
            mask[1][position] = 0
        }
        return (ids, mask)
    }
}
