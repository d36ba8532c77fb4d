import Foundation
import Tensors

/// Tells what a file is from its bytes, not its name. Each check is a signature: the list of
/// checks made is what an unknown file's error reports.
public enum FormatDetector {
    /// What was checked, in order, for error messages.
    public static let signatures = [
        "safetensors (8-byte length + JSON header)", "safetensors index JSON (weight_map)", "NumPy .npy magic",
        "zip (npz, PyTorch zip or .keras)", "pickle protocol 2-5 (PyTorch legacy)", "HDF5 signature",
        "TensorFlow TensorBundle index (table magic)", "GGUF magic",
    ]

    /// The format of the file at `path` (a directory is resolved to the checkpoint inside it).
    public static func detect(_ path: String) throws -> CheckpointFormat {
        try detect(MappedFile(path: path))
    }

    /// The format of a mapped file's bytes.
    public static func detect(_ file: MappedFile) throws -> CheckpointFormat {
        let path = file.path, bytes = file.bytes
        func starts(with signature: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + signature.count && zip(bytes[offset...], signature).allSatisfy { $0 == $1 }
        }
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") {
            return .safetensors
        }
        if starts(with: NpyHeader.magic) { return .npy }
        if isZip(bytes) {
            let archive = try ZipArchive(file: file)
            if archive.entries.contains(where: { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }) { return .pytorchZip }
            return archive.entry(named: "model.weights.h5") != nil && archive.entry(named: "config.json") != nil ? .kerasArchive : .npz
        }
        if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) {
            // torch.save's legacy format opens with the pickled magic number 0x1950a86a20f9469cfc6c.
            let legacyMagic: [UInt8] = [0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
            return starts(with: legacyMagic, at: 2) ? .pytorchLegacy : .pickle
        }
        let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        if [0, 512, 1024, 2048, 4096].contains(where: { starts(with: hdf5, at: $0) }) { return .hdf5 }
        if starts(with: Array("GGUF".utf8)) { return .gguf }
        if bytes.count >= 48, bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) == UInt64(0xDB47_7524_8B80_FB57).littleEndian {
            return .tensorflowIndex
        }
        if isIndexJSON(bytes) { return .shardedSafetensors }
        if path.range(of: #"\.data-\d{5}-of-\d{5}$"#, options: .regularExpression) != nil { return .tensorflowData }
        throw CheckpointError.unknownFormat(file: path, tried: signatures)
    }

    /// A zip archive's opening signature (a local header, or the end record of an empty archive).
    static func isZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && (Array(bytes[0..<4]) == [0x50, 0x4B, 0x03, 0x04] || Array(bytes[0..<4]) == [0x50, 0x4B, 0x05, 0x06])
    }

    /// A JSON object with a `weight_map` key near its start.
    private static func isIndexJSON(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }), first == UInt8(ascii: "{") else { return false }
        let window = UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, 1 << 20)])
        return String(decoding: window, as: UTF8.self).contains("\"weight_map\"")
    }
}

/// Opening checkpoints of any readable format.
public enum Checkpoint {
    /// Opens `path` for reading. A directory opens the checkpoint inside it (a Hugging Face model
    /// folder: `model.safetensors.index.json` or `model.safetensors`; a Hub cache repository
    /// `models--ORG--NAME` at its current ref); a TensorFlow prefix (`model.ckpt`) is recognised by
    /// its `.index` file; a Hub id (`ORG/NAME`) that is no path opens its copy in the local cache.
    public static func open(_ path: String) throws -> CheckpointReader {
        let path = try resolve(path)
        return try open(MappedFile(path: path))
    }

    /// Opens already-mapped bytes (a file, or a copy of bytes held in memory).
    public static func open(_ file: MappedFile) throws -> CheckpointReader {
        let path = file.path
        let format: CheckpointFormat
        do {
            format = try FormatDetector.detect(file)
        } catch let unknown as CheckpointError {
            // No signature matched. If the name says what the file was meant to be, let that
            // format's reader explain precisely what is wrong with it (`.bin` says too little).
            if let intended = OutputFormat(path: path)?.checkpointFormat, !path.lowercased().hasSuffix(".bin") {
                format = intended
            } else if path.hasSuffix(".index"), tensorFlowPrefix(hasShards: String(path.dropLast(".index".count))) {
                format = .tensorflowIndex  // a damaged index beside its data shards
            } else {
                throw unknown
            }
        }
        switch format {
        case .safetensors: return try SafetensorsReader(file: file)
        case .shardedSafetensors: return try ShardedSafetensorsReader(indexPath: path)
        case .npy: return try NpyReader(file: file)
        case .npz: return try NpzReader(file: file)
        case .pytorchZip, .pytorchLegacy: return try PyTorchReader(file: file)
        case .hdf5: return try HDF5Reader(file: file)
        case .tensorflowIndex: return try TensorFlowReader(file: file)
        case .gguf:
            throw CheckpointError.notImplemented(file: path, format: format, hint: "")
        case .tensorflowData:
            // A data shard: open the checkpoint through its index.
            guard let range = path.range(of: #"\.data-[0-9]+-of-[0-9]+$"#, options: .regularExpression),
                FileManager.default.fileExists(atPath: path[..<range.lowerBound] + ".index")
            else { throw CheckpointError.notImplemented(file: path, format: format, hint: "a TensorFlow data shard without its .index file beside it") }
            return try TensorFlowReader(path: path[..<range.lowerBound] + ".index")
        case .pickle:
            throw CheckpointError.notImplemented(file: path, format: format, hint: "a pickle that is not a torch.save checkpoint")
        case .kerasArchive:
            throw CheckpointError.notImplemented(
                file: path, format: format, hint: "its weights are the member model.weights.h5, which zoo reads: unzip \(path) model.weights.h5")
        }
    }

    /// Whether `PREFIX.data-00000-of-…` exists.
    static func tensorFlowPrefix(hasShards prefix: String) -> Bool {
        let url = URL(fileURLWithPath: prefix)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
        return names.contains { $0.hasPrefix(url.lastPathComponent + ".data-00000-of-") }
    }

    static func resolve(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        let manager = FileManager.default
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return path }
            let opened = HubCache.isRepository(path) ? try HubCache.snapshot(ofRepository: path) : path
            let folder = opened.hasSuffix("/") ? opened : opened + "/"
            for candidate in ["model.safetensors.index.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5", "model.weights.h5"]
            where manager.fileExists(atPath: folder + candidate) {
                return folder + candidate
            }
            // Otherwise a single index, or failing that a single safetensors file, under any name.
            let names = (try? manager.contentsOfDirectory(atPath: opened)) ?? []
            for suffix in [".safetensors.index.json", ".safetensors"] {
                let matches = names.filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }
                if matches.count == 1 { return folder + matches[0] }
            }
            throw CheckpointError.unknownFormat(
                file: path, tried: ["a folder holding model.safetensors(.index.json), pytorch_model.bin, tf_model.h5, model.weights.h5, or a single *.safetensors(.index.json)"])
        }
        if manager.fileExists(atPath: path + ".index") { return path + ".index" }
        if HubCache.isHubID(path) { return try resolve(HubCache.snapshot(forID: path)) }
        return path
    }
}
