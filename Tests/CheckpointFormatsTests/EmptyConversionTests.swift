import CHDF5
@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// A conversion that would write no tensors is refused, with nothing written (issue 17: a source
/// in which zoo found no tensors became an empty checkpoint, exit 0, as if converted).
@Suite struct EmptyConversionTests {
    static func expectNothingToConvert(_ source: CheckpointReader, options: ConversionOptions, saying reason: String, in folder: TemporaryFolder) throws {
        let before = try folder.contents()
        #expect {
            _ = try CheckpointConversion.run(source, to: folder.file("out/x.npz"), options: options)
        } throws: { error in
            guard case .nothingToConvert(let file, let why) = error as? CheckpointError else { return false }
            return file == source.path && why.contains(reason)
        }
        #expect(try folder.contents() == before)
    }

    @Test func aSourceWithoutTensors() throws {
        let folder = try TemporaryFolder()
        try AtomicFile.write(SafetensorsHeader(entries: [], metadata: [:]).encoded(), to: folder.file("empty.safetensors"))
        try Self.expectNothingToConvert(
            try Checkpoint.open(folder.file("empty.safetensors")), options: ConversionOptions(format: .npz), saying: "zoo found no tensors in it", in: folder)
    }

    /// A Keras 3 file holding optimizer variables only: --weights-only keeps none.
    @Test func weightsOnlyKeepingNone() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("optimizer.weights.h5")
        let writer = try HDF5Writer(path: path, tensors: [TensorInfo(name: "optimizer/vars/0", dtype: .f32, shape: [2])], metadata: [:], layout: .paths)
        try writer.append(Tensor([Float(1), 2], dtype: .f32, shape: [2]))
        _ = try writer.commit()
        HDF5Library.locked {
            let file = H5Fopen(path, zoo_h5f_acc_rdwr(), zoo_h5p_default())
            defer { H5Fclose(file) }
            #expect(H5Gclose(H5Gcreate2(file, "layers", zoo_h5p_default(), zoo_h5p_default(), zoo_h5p_default())) >= 0)
        }
        let source = try Checkpoint.open(path)
        #expect(source.role(of: "optimizer/vars/0") == .optimizer)
        try Self.expectNothingToConvert(
            source, options: ConversionOptions(format: .npz, weightsOnly: true), saying: "--weights-only keeps none of its 1 tensors", in: folder)
    }
}
