import Foundation
import Tensors
import TestSupport
import Testing

@Suite struct ShapeTests {
    @Test func countsElementsAndBytes() throws {
        let shape: Shape = [2, 3, 4]
        #expect(try shape.elementCount() == 24)
        #expect(try shape.byteCount(.bf16) == 48)
        #expect(shape.contiguousStrides == [12, 4, 1])
        #expect(try Shape([]).elementCount() == 1)
        #expect(try Shape([5, 0]).elementCount() == 0)
    }

    @Test func rejectsHostileShapes() throws {
        #expect(throws: ShapeError.negativeDimension(-1)) { try Shape([3, -1]) }
        #expect(throws: ShapeError.overflow([1 << 40, 1 << 40])) { try Shape([1 << 40, 1 << 40]).elementCount() }
        // Fits as elements, overflows as bytes.
        #expect(throws: ShapeError.self) { try Shape([Int.max / 2]).byteCount(.f64) }
        // Zero anywhere makes the product zero, however large the rest.
        #expect(try Shape([Int.max, 0, Int.max]).elementCount() == 0)
    }
}

@Suite struct LayoutTests {
    /// A reference transpose, written index by index.
    func naivePermute(_ values: [Int32], _ dims: [Int], _ axes: [Int]) -> [Int32] {
        let outDims = axes.map { dims[$0] }
        let inStrides = Shape(unchecked: dims).contiguousStrides
        let outStrides = Shape(unchecked: outDims).contiguousStrides
        var result = [Int32](repeating: 0, count: values.count)
        for flat in 0..<values.count {
            var source = 0
            for axis in outDims.indices { source += (flat / outStrides[axis]) % outDims[axis] * inStrides[axes[axis]] }
            result[flat] = values[source]
        }
        return result
    }

    @Test(arguments: [[1, 0], [2, 0, 1], [0, 2, 1], [3, 1, 0, 2]])
    func permuteMatchesTheDefinition(_ axes: [Int]) {
        let dims = [2, 3, 4, 5].prefix(axes.count).map { $0 }
        let values = (0..<dims.reduce(1, *)).map(Int32.init)
        let tensor = Tensor(values, dtype: .i32, shape: Shape(unchecked: dims))
        let permuted = tensor.permuted(axes)
        #expect(permuted.shape.dims == axes.map { dims[$0] })
        #expect(permuted.scalars(as: Int32.self) == naivePermute(values, dims, axes))
    }

    @Test func byteSwapReversesEachElement() {
        let tensor = Tensor([UInt32(0x0102_0304), 0xA0B0_C0D0], dtype: .u32, shape: [2])
        #expect(tensor.byteSwapped().scalars(as: UInt32.self) == [0x0403_0201, 0xD0C0_B0A0])
        let bytes = Tensor([UInt8(1), 2], dtype: .u8, shape: [2])
        #expect(bytes.byteSwapped().scalars(as: UInt8.self) == [1, 2])
    }
}

@Suite struct BLASTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sgemmMatchesANaiveProduct(_ transposeA: Bool, _ transposeB: Bool) {
        var rng = SplitMix64(seed: 7)
        let m = 5, n = 7, k = 3
        let a = (0..<m * k).map { _ in Float(Int(rng.next() % 19) - 9) }
        let b = (0..<k * n).map { _ in Float(Int(rng.next() % 19) - 9) }
        // Element (i, p) of op(A) and (p, j) of op(B), whatever their storage order.
        func opA(_ i: Int, _ p: Int) -> Float { transposeA ? a[p * m + i] : a[i * k + p] }
        func opB(_ p: Int, _ j: Int) -> Float { transposeB ? b[j * k + p] : b[p * n + j] }
        var c = [Float](repeating: 1, count: m * n)
        BLAS.sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 2, a: a, lda: transposeA ? m : k,
            b: b, ldb: transposeB ? k : n, beta: 0.5, c: &c, ldc: n)
        for i in 0..<m {
            for j in 0..<n {
                let expected = 2 * (0..<k).reduce(Float(0)) { $0 + opA(i, $1) * opB($1, j) } + 0.5
                #expect(c[i * n + j] == expected)
            }
        }
    }
}

/// `floats()`, the float32 copy weights are loaded with: the same values as `converted(to: .f32)`
/// across the parts it copies in, and a mapped tensor's pages dropped once copied.
@Suite struct FloatsTests {
    static let count = (1 << 20) * 5 / 2  // two and a half parts
    static let source = PatternedTensors.tensor("floats", shape: [count], dtype: .f32)

    @Test(arguments: [DType.f64, .f32, .f16, .bf16])
    func equalsTheConversion(_ dtype: DType) throws {
        let tensor = try Self.source.converted(to: dtype)
        #expect(try tensor.floats() == tensor.converted(to: .f32).scalars(as: Float.self))
    }

    @Test func refusesIntegers() throws {
        #expect(throws: DTypeConversionError(from: .i32, to: .f32)) { try Tensor([Int32(1)], dtype: .i32, shape: [1]).floats() }
    }

    @Test func dropsTheMappedPagesItCopied() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("floats.bin")
        #expect(FileManager.default.createFile(atPath: path, contents: Self.source.withUnsafeBytes { Data($0) }))
        let file = try MappedFile(path: path)
        let mapped = try Tensor(dtype: .f32, shape: [Self.count], storage: TensorStorage(file: file, range: 0..<file.count))
        #expect(try mapped.floats() == Self.source.scalars(as: Float.self))
        guard let resident = residentBytes(ofMapping: file.bytes) else { return }
        #expect(resident < 256 << 10, "\(resident) of \(file.count) bytes still resident")
    }
}
