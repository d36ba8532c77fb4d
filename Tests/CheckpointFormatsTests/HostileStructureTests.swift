@testable import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// Issue 17, section 2: inputs whose structure once killed zoo by a signal, now typed errors
/// (the files are the hostile corpus's, Fuzz/hostile/crashes, written by its generate.py).
@Suite struct HostileStructureTests {
    static func corpus(_ name: String) -> String { Fixtures.root.appendingPathComponent("Fuzz/hostile/crashes/\(name)").path }

    func load(_ bytes: [UInt8], arena: PickleArena = PickleArena()) throws -> PickleValue {
        try bytes.withUnsafeBytes { raw in
            var unpickler = Unpickler(bytes: raw, file: "memory", base: 0, arena: arena) { _, _ in .none }
            return try unpickler.load()
        }
    }

    /// NONE wrapped in `levels` one-item tuples (TUPLE1 after TUPLE1).
    static func nestedTuples(_ levels: Int) -> [UInt8] { [0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: levels) + [0x2E] }

    @Test func nestingUpToTheLimitIsReadAndBeyondItRefusedAtItsByte() throws {
        guard case .tuple(_, let depth) = try load(Self.nestedTuples(Unpickler.maximumDepth)) else { Issue.record("not a tuple"); return }
        #expect(depth == Unpickler.maximumDepth)
        // A million levels once overflowed the stack when freed; now the 65th TUPLE1 (byte 3 + 64) is refused.
        #expect(throws: PyTorchError(file: "memory", offset: 3 + Unpickler.maximumDepth, .tooDeep(limit: Unpickler.maximumDepth))) {
            try load(Self.nestedTuples(1_000_000))
        }
    }

    /// Lists appended to their parent while empty, then filled through the memo: no depth shows
    /// while building, so the unpickler accepts the chain; the arena frees it without recursion and
    /// the reader's walk refuses it.
    @Test func listChainsDeepenedAfterNestingAreFreedAndRefused() throws {
        let levels = 200_000
        func index(_ i: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(i).littleEndian, Array.init) }
        var pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x72] + index(0)
        for level in 1...levels { pickle += [0x5D, 0x72] + index(level) + [0x61, 0x30, 0x6A] + index(level) }
        pickle += [0x30, 0x6A] + index(0) + [0x2E]
        let arena = PickleArena()
        _ = try load(pickle, arena: arena)
        arena.clear()  // each list emptied, then freed on its own, not a level per stack frame
        #expect(throws: PyTorchError(file: Self.corpus("deep_list_chain.pth"), .tooDeep(limit: Unpickler.maximumDepth))) {
            try PyTorchReader(path: Self.corpus("deep_list_chain.pth"))
        }
    }

    /// `torch.arange(4.).expand(256, 4)`: a small expanded view is read, gathered row by row.
    @Test func smallExpandedViewsAreRead() throws {
        let reader = try PyTorchReader(path: Self.corpus("expanded_small.pth"))
        let tensor = try reader.tensor(named: "w")
        #expect(tensor.shape.dims == [256, 4])
        let values = tensor.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == Array(repeating: [0, 1, 2, 3] as [Float], count: 256).flatMap { $0 })
    }

    /// `torch.zeros(1).expand(1 << 20, 1 << 20)`: listed, but refused (unsupported) when read, before any allocation.
    @Test func hugeExpandedViewsAreRefusedWhenRead() throws {
        let reader = try PyTorchReader(path: Self.corpus("expanded_huge.pth"))
        #expect(reader.tensors.map(\.shape.dims) == [[1 << 20, 1 << 20]])
        #expect {
            try reader.tensor(named: "w")
        } throws: { error in
            (error as? PyTorchError)?.problem.isUnsupported == true && (error as? PyTorchError)?.tensor == "w"
        }
    }

    /// Names wider than an output's field are refused before any file is created.
    @Test func namesTooLongForAnOutputAreRefusedBeforeWriting() throws {
        let folder = try TemporaryFolder()
        let name = "layer." + String(repeating: "x", count: 70_000) + ".weight"
        let tensors = [TensorInfo(name: name, dtype: .f32, shape: try Shape([1]))]
        #expect(throws: CheckpointError.self) { try NpzWriter(path: folder.file("x.npz"), tensors: tensors, compress: false) }
        #expect(throws: CheckpointError.self) {
            try HDF5Writer(path: folder.file("x.h5"), tensors: tensors, metadata: [:], layout: .kerasLegacy)
        }
        // Shapes of more dimensions than HDF5 (32) or NumPy (64) describe, likewise.
        let deep = [TensorInfo(name: "t", dtype: .f32, shape: try Shape([Int](repeating: 1, count: 65)))]
        #expect(throws: CheckpointError.self) { try NpzWriter(path: folder.file("x.npz"), tensors: deep, compress: false) }
        #expect(throws: CheckpointError.self) { try HDF5Writer(path: folder.file("x.h5"), tensors: deep, metadata: [:], layout: .paths) }
        #expect(try folder.contents() == [])
        // The same name fits a safetensors header and a torch pickle.
        for writer in [
            try SafetensorsWriter(path: folder.file("x.safetensors"), tensors: tensors) as CheckpointWriter,
            try PyTorchWriter(path: folder.file("x.pth"), tensors: tensors),
        ] {
            try writer.append(try Tensor(zeros: .f32, shape: try Shape([1])))
            _ = try writer.commit()
        }
        #expect(try SafetensorsReader(path: folder.file("x.safetensors")).tensors.map(\.name) == [name])
        #expect(try PyTorchReader(path: folder.file("x.pth")).tensors.map(\.name) == [name])
    }
}
