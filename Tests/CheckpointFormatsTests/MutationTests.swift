import CheckpointFormats
import Foundation
import Tensors
import TestSupport
import Testing

/// Thousands of seeded byte flips, overwrites and truncations of every valid fixture: each
/// mutant must read successfully or fail with one of zoo's typed errors. A crash, a hang or an
/// untyped error fails the run; the seeds make any failure replay exactly.
@Suite struct MutationTests {
    static let fixtures: [(String, String)] = [
        ("safetensors", "all_dtypes.safetensors"), ("safetensors", "no_metadata.safetensors"),
        ("safetensors", "sharded/model.safetensors.index.json"),
        ("numpy", "stored.npz"), ("numpy", "deflated.npz"), ("numpy", "fortran_big_endian.npy"), ("numpy", "v2.npy"),
        ("pytorch", "zip_all_dtypes.pth"), ("pytorch", "legacy_all_dtypes.pth"), ("pytorch", "nested.pth"),
        ("hdf5", "plain_all_dtypes.h5"), ("hdf5", "keras_legacy_model.h5"), ("hdf5", "keras3.weights.h5"),
        ("tensorflow", "all_dtypes.index"), ("tensorflow", "many_tensors_1k_blocks.index"),
    ]

    /// Mutants per fixture: fewer for HDF5, where each one also starts a `zoo-hdf5-probe` process.
    static func mutants(of name: String) -> Int { name.hasSuffix(".h5") ? 300 : 2_000 }

    enum Outcome { case read, typedError }

    /// Opens `path` and reads (and checksums) every tensor.
    static func readFully(_ path: String) -> (Outcome?, Error?) {
        do {
            _ = try Checkpoint.open(path).checksums()
            return (.read, nil)
        } catch where isCheckpointInputError(error) {
            return (.typedError, nil)
        } catch {
            return (nil, error)
        }
    }

    /// One mutant of `original`, chosen by `rng`.
    static func mutate(_ original: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = original
        guard !bytes.isEmpty else { return bytes }
        // Structure lives at both ends (headers first, zip directories last): aim there most.
        func position() -> Int {
            switch rng.next() % 3 {
            case 0: Int(rng.next() % UInt64(min(bytes.count, 512)))
            case 1: bytes.count - 1 - Int(rng.next() % UInt64(min(bytes.count, 512)))
            default: Int(rng.next() % UInt64(bytes.count))
            }
        }
        switch rng.next() % 4 {
        case 0:
            for _ in 0..<(1 + rng.next() % 4) { bytes[position()] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8)) }
        case 1:
            bytes[position()] = UInt8(truncatingIfNeeded: rng.next())
        case 2:
            // An integer field set to an extreme: 0, all ones, the sign bit, or random.
            let width = [2, 4, 8][Int(rng.next() % 3)]
            let start = min(position(), max(0, bytes.count - width))
            let values: [UInt64] = [0, .max, 1 << 63, 0x7FFF_FFFF, rng.next()]
            let value = values[Int(rng.next() % UInt64(values.count))]
            for index in 0..<min(width, bytes.count - start) { bytes[start + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        default:
            bytes.removeLast(1 + Int(rng.next() % UInt64(bytes.count)))
        }
        return bytes
    }

    @Test(arguments: fixtures)
    func everyMutantReadsOrFailsWithATypedError(_ folder: String, _ name: String) throws {
        let source = Fixtures.path(folder, name)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
        #expect(Self.readFully(source).0 == .read, "the unmutated fixture must read")
        // Indexes point at shards beside them (safetensors, TensorFlow): mutate a copy in a folder with those shards.
        let temporary = try TemporaryFolder()
        let directory = URL(fileURLWithPath: source).deletingLastPathComponent().path
        let stem = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
        for sibling in try FileManager.default.contentsOfDirectory(atPath: directory)
        where (sibling.hasSuffix(".safetensors") && name.hasSuffix(".json")) || (name.hasSuffix(".index") && sibling.hasPrefix(stem + ".data-")) {
            try FileManager.default.copyItem(atPath: directory + "/" + sibling, toPath: temporary.file(sibling))
        }
        let target = temporary.file(URL(fileURLWithPath: name).lastPathComponent)
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        var counts = [0, 0]
        for round in 0..<Self.mutants(of: name) {
            let mutant = Self.mutate(original, &rng)
            try Data(mutant).write(to: URL(fileURLWithPath: target))
            let (outcome, error) = Self.readFully(target)
            switch outcome {
            case .read: counts[0] += 1
            case .typedError: counts[1] += 1
            case nil: Issue.record("mutant \(round) of \(name) failed with an untyped error: \(String(reflecting: error!))")
            }
        }
        // Both outcomes must occur, or the mutations are not reaching the parser.
        #expect(counts[0] > 0 && counts[1] > 0, "\(name): \(counts[0]) read, \(counts[1]) rejected")
    }
}
