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
    public static func key(checkpoint: String, model: String, cut: [String], encoding: String, examples: [Example]) -> String {
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
            case .greyImage(let set, let index):
                let plane = set.rows * set.columns
                set.pixels.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[index * plane..<(index + 1) * plane])) }
            case .text(let text): digest.update(text)
            case .textPair(let first, let second):
                digest.update(first)
                digest.update(second)
            }
        }
        return digest.hex()
    }

    public func path(for key: String) -> String { folder + "/" + key + ".safetensors" }

    /// The cached features under `key`, when a complete file of `count` examples of `sizes` is there.
    public func load(key: String, names: [String], sizes: [Int], count: Int, length: Int) -> CachedFeatures? {
        guard let reader = try? Checkpoint.open(path(for: key)) else { return nil }
        var values: [[Float]] = []
        for (name, size) in zip(names, sizes) {
            guard let info = reader.tensors.first(where: { $0.name == name }), info.shape.dims == [count, size],
                  let floats = try? reader.tensor(named: name).floats() else { return nil }
            values.append(floats)
        }
        var masks: [Int] = []
        if length > 0 {
            guard let info = reader.tensors.first(where: { $0.name == "attention_mask" }), info.shape.dims == [count, length],
                  let floats = try? reader.tensor(named: "attention_mask").floats() else { return nil }
            masks = floats.map { Int($0) }
        }
        return CachedFeatures(names: names, sizes: sizes, values: values, attentionMasks: masks, length: length, count: count)
    }

    /// Writes `features` under `key` atomically (a temporary file renamed into place).
    public func store(_ features: CachedFeatures, key: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var infos = try zip(features.names, features.sizes).map { TensorInfo(name: $0, dtype: .f32, shape: try Shape([features.count, $1])) }
        if features.length > 0 { infos.append(TensorInfo(name: "attention_mask", dtype: .f32, shape: try Shape([features.count, features.length]))) }
        let writer = try SafetensorsWriter(path: path(for: key), tensors: infos, metadata: ["format": "zoo.features/1"])
        for (values, info) in zip(features.values, infos) { try writer.append(Tensor(values, dtype: .f32, shape: info.shape)) }
        if features.length > 0 { try writer.append(Tensor(features.attentionMasks.map(Float.init), dtype: .f32, shape: infos.last!.shape)) }
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
        var values = plan.cutSizes.map { size -> [Float] in
            var values = [Float]()
            values.reserveCapacity(examples.count * size)
            return values
        }
        var masks: [Int] = []
        for start in stride(from: 0, to: examples.count, by: plan.batch) {
            let batch = Array(examples[start..<min(start + plan.batch, examples.count)])
            let outputs: [[Float]]
            switch try encoder.encode(batch) {
            case .images(let images, let count): outputs = try prefix.run(images: images, count: count)
            case .tokens(let tokens):
                outputs = try prefix.run(tokens: tokens)
                masks += tokens.attentionMask
            }
            for (index, output) in outputs.enumerated() { values[index] += output }
            progress(start + batch.count)
        }
        let features = CachedFeatures(names: plan.cutNames, sizes: plan.cutSizes, values: values, attentionMasks: masks, length: length, count: examples.count)
        try store(features, key: key)
        return (features, false)
    }
}
