import CheckpointFormats
import Engine
import Foundation
import Tensors

/// Frozen-prefix features on disk, so a frozen backbone runs once per dataset rather than once
/// per epoch, seed or run. A cache file is `<folder>/<key>.safetensors`, one tensor per cut value
/// (`[examples, …]`) and the attention masks; the key is the SHA-256 of everything the features
/// depend on: the checkpoint's content, the model, the cut, the preprocessing, and the examples
/// (image files by path, size and modification time; IDX images and texts by content). A file
/// that cannot be read back as the key promises is recomputed and replaced.
public struct FeatureCache: Sendable {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    /// `$ZOO_CACHE_DIR/features`, else `$XDG_CACHE_HOME/zoo/features`, else `~/.cache/zoo/features`.
    public static var standard: FeatureCache {
        let environment = ProcessInfo.processInfo.environment
        let root = environment["ZOO_CACHE_DIR"] ?? (environment["XDG_CACHE_HOME"].map { $0 + "/zoo" }
            ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/zoo")
        return FeatureCache(folder: root + "/features")
    }

    /// The key of `examples`' features at `cut` of `model` read from the checkpoint whose SHA-256 is
    /// `checkpoint`, encoded as `encoding` describes.
    public static func key(checkpoint: String, model: String, cut: [String], encoding: String, examples: [Example]) throws -> String {
        let digest = SHA256Digest()
        for part in ["zoo.features/1", checkpoint, model, cut.joined(separator: ","), encoding, String(examples.count)] { digest.update(part) }
        for example in examples {
            digest.update(example.origin)
            switch example.input {
            case .imageFile(let path):
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
                digest.update("\(size) \(modified)")
            case .greyImage(let set, let index): withExtendedLifetime(set) { digest.update(set.plane(index)) }
            case .text, .textPair, .textRecord:
                switch try example.input.text() {
                case .single(let text)?: digest.update(text)
                case .pair(let first, let second)?:
                    digest.update(first)
                    digest.update(second)
                case nil: break
                }
            }
        }
        return digest.hex()
    }

    public func path(for key: String) -> String { folder + "/" + key + ".safetensors" }

    /// The cached features under `key`, when a complete file of `count` examples of `sizes` is
    /// there: views into the memory-mapped file.
    public func load(key: String, names: [String], sizes: [Int], count: Int, length: Int) -> CachedFeatures? {
        guard let reader = try? Checkpoint.open(path(for: key)), reader.format == .safetensors else { return nil }
        func tensor(_ name: String, width: Int) -> Tensor? {
            guard let info = reader.tensors.first(where: { $0.name == name }), info.dtype == .f32, info.shape.dims == [count, width] else { return nil }
            return try? reader.tensor(named: name)
        }
        var values: [Tensor] = []
        for (name, size) in zip(names, sizes) {
            guard let value = tensor(name, width: size) else { return nil }
            values.append(value)
        }
        var masks: Tensor?
        if length > 0 {
            guard let mask = tensor("attention_mask", width: length) else { return nil }
            masks = mask
        }
        return CachedFeatures(names: names, sizes: sizes, values: values, attentionMasks: masks, length: length, count: count)
    }

    /// A writer of the features of `count` examples under `key`: the file laid out at once, rows
    /// written as they are computed, renamed into place by `commit()`.
    func writer(key: String, names: [String], sizes: [Int], count: Int, length: Int) throws -> SafetensorsWriter {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var infos = try zip(names, sizes).map { TensorInfo(name: $0, dtype: .f32, shape: try Shape([count, $1])) }
        if length > 0 { infos.append(TensorInfo(name: "attention_mask", dtype: .f32, shape: try Shape([count, length]))) }
        let writer = try SafetensorsWriter(path: path(for: key), tensors: infos, metadata: ["format": "zoo.features/1"])
        try writer.reserveAll()
        return writer
    }

    /// Writes `features` under `key` atomically (a temporary file renamed into place).
    public func store(_ features: CachedFeatures, key: String) throws {
        let writer = try writer(key: key, names: features.names, sizes: features.sizes, count: features.count, length: features.length)
        for (index, value) in (features.values + (features.attentionMasks.map { [$0] } ?? [])).enumerated() {
            try value.withUnsafeBytes { try writer.write($0, into: index, at: 0) }
        }
        _ = try writer.commit()
    }

    /// The features of `examples` at `plan`'s cut: from the cache when present, else computed by
    /// the plan's frozen prefix (`plan.batch` examples at a time, in evaluation mode) and stored.
    /// `progress` is told how many examples are done.
    public func features(
        of examples: [Example], plan: TrainingPlan, encoder: ExampleEncoder, key: String, progress: (Int) -> Void = { _ in }
    ) throws -> (features: CachedFeatures, reused: Bool) {
        guard let prefix = plan.prefix else { throw TrainingError.unsupported("caching features of a model with nothing frozen in front") }
        let length: Int
        if case .tokens(let tokens) = plan.input { length = tokens } else { length = 0 }
        if let cached = load(key: key, names: plan.cutNames, sizes: plan.cutSizes, count: examples.count, length: length) { return (cached, true) }
        // Rows go to the file as they are computed, so the features never need to fit in memory.
        let writer = try writer(key: key, names: plan.cutNames, sizes: plan.cutSizes, count: examples.count, length: length)
        for start in stride(from: 0, to: examples.count, by: plan.batch) {
            let batch = Array(examples[start..<min(start + plan.batch, examples.count)])
            var outputs: [[Float]]
            switch try encoder.encode(batch) {
            case .images(let images, let count): outputs = try prefix.run(images: images, count: count)
            case .tokens(let tokens): outputs = try prefix.run(tokens: tokens) + [tokens.attentionMask.map(Float.init)]
            }
            for (index, output) in outputs.enumerated() {
                let width = index < plan.cutSizes.count ? plan.cutSizes[index] : length
                try output.withUnsafeBytes { try writer.write($0, into: index, at: start * width * 4) }
            }
            progress(start + batch.count)
        }
        _ = try writer.commit()
        guard let features = load(key: key, names: plan.cutNames, sizes: plan.cutSizes, count: examples.count, length: length) else {
            throw TrainingError.unsupported("the features just written to \(path(for: key)) cannot be read back")
        }
        return (features, false)
    }
}
