import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// Tensor names each output format can carry (issue 17: a NUL inside a name went into an `.npz`
/// member name, which NumPy cuts at the NUL, so a tensor was lost with exit 0). Formats whose
/// names would come back cut refuse the name before anything is written; safetensors and
/// PyTorch keep it whole.
@Suite struct TensorNameOutputTests {
    static let nul = [TensorInfo(name: "w\0x", dtype: .f32, shape: [1]), TensorInfo(name: "w", dtype: .f32, shape: [1])]

    static func convert(_ tensors: [TensorInfo], to format: OutputFormat, at path: String) throws -> CheckpointReader {
        let writer = try CheckpointConversion.makeWriter(at: path, tensors: tensors, metadata: [:], options: ConversionOptions(format: format))
        for (index, info) in tensors.enumerated() { try writer.append(Tensor([Float(index)], dtype: info.dtype, shape: info.shape)) }
        _ = try writer.commit()
        return try Checkpoint.open(path)
    }

    @Test(arguments: [(OutputFormat.npz, "x.npz"), (.kerasH5, "x.h5"), (.kerasWeights, "x.weights.h5")])
    func aNulIsRefusedWhereNamesEndAtIt(_ format: OutputFormat, _ file: String) throws {
        let folder = try TemporaryFolder()
        #expect {
            _ = try Self.convert(Self.nul, to: format, at: folder.file(file))
        } throws: { error in
            guard case .unsupportedOutput(_, let reason) = error as? CheckpointError else { return false }
            return reason.contains(#"tensor "w\0x" has a NUL character"#)
        }
        #expect(try folder.contents() == [])
    }

    @Test(arguments: [(OutputFormat.safetensors, "x.safetensors"), (.pytorch, "x.pth")])
    func aNulIsKeptWhereNamesHoldIt(_ format: OutputFormat, _ file: String) throws {
        let folder = try TemporaryFolder()
        let written = try Self.convert(Self.nul, to: format, at: folder.file(file))
        #expect(Set(written.tensors.map(\.name)) == ["w\0x", "w"])
        #expect(try written.tensor(named: "w\0x").byteArray == Tensor([Float(0)], dtype: .f32, shape: [1]).byteArray)
    }
}
