import CheckpointFormats
import Tensors
import TestSupport
import Testing

/// Every f16 and bf16 bit pattern, in both directions, against NumPy (f16) and ml_dtypes (bf16):
/// the reference results are in formats/dtypes/floats.npz, written by formats/dtypes/generate.py.
@Suite struct FloatConversionTests {
    static let reference = try! NpzReader(path: Fixtures.path("dtypes", "floats.npz"))

    func array<T: BitwiseCopyable>(_ name: String, as: T.Type) throws -> [T] {
        try Self.reference.tensor(named: name).scalars(as: T.self)
    }

    /// Runs `tensor.converted(to:)` on raw bit patterns and returns the result's bit patterns.
    func convert<In: BitwiseCopyable, Out: BitwiseCopyable>(_ bits: [In], from: DType, to: DType, as: Out.Type) throws -> [Out] {
        try Tensor(bits, dtype: from, shape: [bits.count]).converted(to: to).scalars(as: Out.self)
    }

    func expectEqualBits<T: FixedWidthInteger>(_ actual: [T], _ expected: [T], inputs: [some FixedWidthInteger], _ label: String) {
        #expect(actual.count == expected.count)
        let mismatches = zip(actual, expected).enumerated().filter { $0.element.0 != $0.element.1 }
        if let first = mismatches.first {
            let input = inputs[first.offset]
            Issue.record("\(label): \(mismatches.count) mismatches; first at input 0x\(String(input, radix: 16)): got 0x\(String(first.element.0, radix: 16)), expected 0x\(String(first.element.1, radix: 16))")
        }
    }

    @Test func decodesEveryF16Pattern() throws {
        let patterns = (0...UInt16.max).map { $0 }
        expectEqualBits(try convert(patterns, from: .f16, to: .f32, as: UInt32.self), try array("f16_to_f32", as: UInt32.self), inputs: patterns, "f16→f32")
        expectEqualBits(try convert(patterns, from: .f16, to: .f64, as: UInt64.self), try array("f16_to_f64", as: UInt64.self), inputs: patterns, "f16→f64")
        expectEqualBits(try convert(patterns, from: .f16, to: .bf16, as: UInt16.self), try array("f16_to_bf16", as: UInt16.self), inputs: patterns, "f16→bf16")
    }

    @Test func decodesEveryBF16Pattern() throws {
        let patterns = (0...UInt16.max).map { $0 }
        expectEqualBits(try convert(patterns, from: .bf16, to: .f32, as: UInt32.self), try array("bf16_to_f32", as: UInt32.self), inputs: patterns, "bf16→f32")
        expectEqualBits(try convert(patterns, from: .bf16, to: .f64, as: UInt64.self), try array("bf16_to_f64", as: UInt64.self), inputs: patterns, "bf16→f64")
        expectEqualBits(try convert(patterns, from: .bf16, to: .f16, as: UInt16.self), try array("bf16_to_f16", as: UInt16.self), inputs: patterns, "bf16→f16")
    }

    @Test(arguments: [("f32", DType.f32, "f16", DType.f16), ("f32", .f32, "bf16", .bf16)])
    func roundsF32AroundEveryPattern(_ sourceName: String, _ source: DType, _ targetName: String, _ target: DType) throws {
        let inputs = try array("\(sourceName)_to_\(targetName)_input", as: UInt32.self)
        let expected = try array("\(sourceName)_to_\(targetName)_expected", as: UInt16.self)
        expectEqualBits(try convert(inputs, from: source, to: target, as: UInt16.self), expected, inputs: inputs, "\(sourceName)→\(targetName)")
    }

    @Test(arguments: [("f16", DType.f16), ("bf16", .bf16)])
    func roundsF64AroundEveryPattern(_ targetName: String, _ target: DType) throws {
        let inputs = try array("f64_to_\(targetName)_input", as: UInt64.self)
        let expected = try array("f64_to_\(targetName)_expected", as: UInt16.self)
        expectEqualBits(try convert(inputs, from: .f64, to: target, as: UInt16.self), expected, inputs: inputs, "f64→\(targetName)")
    }

    /// ml_dtypes (and PyTorch) narrow f64 to bf16 through f32, rounding twice. zoo rounds once, as
    /// round-to-nearest-even requires; the fixture records where ml_dtypes differs, and zoo must
    /// differ from it exactly there.
    @Test func f64ToBF16RoundsOnceWhereMLDtypesRoundsTwice() throws {
        let inputs = try array("f64_to_bf16_input", as: UInt64.self)
        let indices = try array("f64_to_bf16_ml_dtypes_diff_index", as: UInt32.self).map(Int.init)
        let doubleRounded = try array("f64_to_bf16_ml_dtypes_diff_value", as: UInt16.self)
        #expect(!indices.isEmpty)
        let ours = try convert(indices.map { inputs[$0] }, from: .f64, to: .bf16, as: UInt16.self)
        #expect(zip(ours, doubleRounded).allSatisfy { $0 != $1 })
        let viaF32 = try convert(indices.map { inputs[$0] }, from: .f64, to: .f32, as: UInt32.self)
        #expect(try convert(viaF32, from: .f32, to: .bf16, as: UInt16.self) == doubleRounded)
    }

    @Test func refusesNonFloatConversions() throws {
        let ints = Tensor([Int32(1), 2], dtype: .i32, shape: [2])
        #expect(throws: DTypeConversionError(from: .i32, to: .f16)) { try ints.converted(to: .f16) }
    }

    @Test func largeConversionsUseEveryChunk() throws {
        // Big enough to be split across threads: every element must still be converted.
        let values = (0..<300_000).map { Float($0) * 0.25 }
        let halves = try Tensor(values, dtype: .f32, shape: [values.count]).converted(to: .f16).converted(to: .f32).scalars(as: Float.self)
        let expected = values.map { Float(Float16($0)) }
        #expect(halves == expected)
    }
}
