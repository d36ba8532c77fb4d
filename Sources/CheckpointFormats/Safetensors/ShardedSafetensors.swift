import Tensors

/// A Hugging Face sharded checkpoint (`*.safetensors.index.json` naming each tensor's shard),
/// read as one checkpoint. Every tensor the index names must be in its shard and every tensor
/// in a shard must be in the index.
public final class ShardedSafetensorsReader: CheckpointReader {
    public let path: String
    public let format = CheckpointFormat.shardedSafetensors
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let warnings: [String]
    /// Shard file name for each tensor.
    public let weightMap: [String: String]
    private let shards: [String: SafetensorsReader]

    public init(indexPath: String) throws {
        path = indexPath
        let file = try MappedFile(path: indexPath)
        func fail(_ problem: SafetensorsProblem, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: indexPath, tensor: tensor, problem)
        }
        let root: JSON
        do { root = try JSON.parse(file.bytes) } catch { throw SafetensorsError(file: indexPath, offset: error.offset, .invalidJSON(error)) }
        guard case .object(let members) = root else { throw fail(.badIndex("must be a JSON object")) }
        var map: [String: String] = [:], shardOrder: [String] = [], knownShards: Set<String> = [], declaredTotal: Int?
        for (key, value, _) in members {
            switch (key, value) {
            case ("weight_map", .object(let entries)):
                for (name, shard, _) in entries {
                    guard case .string(let shardName) = shard else { throw fail(.badIndex("weight_map value is \(shard.kind)"), tensor: name) }
                    guard !shardName.isEmpty, !shardName.contains("/"), shardName != "..", shardName != "." else {
                        throw fail(.badIndex("shard '\(shardName)' must be a file name in the index's folder"), tensor: name)
                    }
                    if knownShards.insert(shardName).inserted { shardOrder.append(shardName) }
                    map[name] = shardName
                }
            case ("metadata", .object(let entries)):
                for (name, item, _) in entries {
                    if name == "total_size" {
                        guard let total = item.nonNegativeInt else { throw fail(.badIndex("metadata.total_size is \(item.serialized), not a byte count")) }
                        declaredTotal = total
                    }
                }
            case ("weight_map", _), ("metadata", _): throw fail(.badIndex("'\(key)' must be an object"))
            default: continue
            }
        }
        guard !map.isEmpty else { throw fail(.badIndex("no weight_map entries")) }

        let folder = indexPath.lastIndex(of: "/").map { String(indexPath[...$0]) } ?? ""
        var shards: [String: SafetensorsReader] = [:], tensors: [TensorInfo] = []
        for shardName in shardOrder.sorted() {
            let shard = try SafetensorsReader(path: folder + shardName)
            for info in shard.tensors {
                guard map[info.name] == shardName else {
                    throw SafetensorsError(file: shard.path, tensor: info.name, .shardDisagrees("the index maps it to \(map[info.name].map { "'\($0)'" } ?? "no shard")"))
                }
                tensors.append(info)
            }
            shards[shardName] = shard
        }
        for (name, shardName) in map where shards[shardName]?.fileRange(of: name) == nil {
            throw SafetensorsError(file: folder + shardName, tensor: name, .shardDisagrees("the index names this tensor but the shard lacks it"))
        }
        let total = tensors.reduce(0) { $0 + $1.byteCount }
        var warnings: [String] = []
        if let declaredTotal, declaredTotal != total {
            warnings.append("\(indexPath): metadata.total_size is \(declaredTotal) but the shards hold \(total) bytes of tensors")
        } else if declaredTotal == nil {
            warnings.append("\(indexPath): metadata.total_size is missing")
        }
        self.tensors = tensors
        // total_size describes this sharding only; the shards' own metadata is the checkpoint's.
        self.metadata = shardOrder.sorted().first.flatMap { shards[$0]?.metadata } ?? [:]
        self.warnings = warnings
        self.weightMap = map
        self.shards = shards
    }

    /// The index and every shard.
    public var files: [String] { [path] + shards.keys.sorted().compactMap { shards[$0]?.path } }

    public func tensor(named name: String) throws -> Tensor {
        guard let shardName = weightMap[name], let shard = shards[shardName] else {
            throw CheckpointError.noSuchTensor(file: path, tensor: name)
        }
        return try shard.tensor(named: name)
    }
}

/// Writes safetensors split into shards of at most `maxShardBytes` each (a tensor larger than
/// that gets a shard of its own) plus a Hugging Face `index.json`; a checkpoint that fits in one
/// shard is written as a single plain file, as Hugging Face does. Shards and index are written
/// into a hidden staging folder beside the output and published together by `commit()`, the
/// index last (see `StagingFolder.publish`): an interrupted or failed conversion leaves no index
/// over missing or foreign shards.
public final class ShardedSafetensorsWriter: CheckpointWriter {
    /// The shards, then the index (or the single file).
    private let destinations: [String]
    private let staging: StagingFolder?
    private let shardWriters: [SafetensorsWriter]
    private let shardOf: [Int]
    private let weightMap: [(String, String)]
    private let totalSize: Int
    private var next = 0

    public init(path: String, tensors: [TensorInfo], metadata: [String: String] = [:], maxShardBytes: Int) throws {
        let groups = Self.groups(tensors, maxShardBytes: maxShardBytes)
        destinations = Self.destinations(path, shards: groups.count)
        shardOf = groups.enumerated().flatMap { index, group in Array(repeating: index, count: group.count) }
        totalSize = tensors.reduce(0) { $0 + $1.byteCount }
        guard groups.count > 1 else {
            (staging, weightMap) = (nil, [])
            shardWriters = [try SafetensorsWriter(path: path, tensors: tensors, metadata: metadata)]
            return
        }
        let names = destinations.dropLast().map(Self.fileName)
        let staging = try StagingFolder(beside: path)
        shardWriters = try zip(names, groups).map { try SafetensorsWriter(path: staging.file($0), tensors: $1, metadata: metadata) }
        weightMap = zip(groups, names).flatMap { group, name in group.map { ($0.name, name) } }
        self.staging = staging
    }

    /// The files a writer at `path` publishes (shards, then the index; or the single file), known
    /// before anything is written.
    public static func destinations(path: String, tensors: [TensorInfo], maxShardBytes: Int) -> [String] {
        destinations(path, shards: groups(tensors, maxShardBytes: maxShardBytes).count)
    }

    private static func destinations(_ path: String, shards: Int) -> [String] {
        shards == 1 ? [path] : (1...shards).map { shardPath(path, $0, of: shards) } + [path + ".index.json"]
    }

    /// The tensors in shard order: a new shard starts where the next tensor would overflow this one.
    private static func groups(_ tensors: [TensorInfo], maxShardBytes: Int) -> [[TensorInfo]] {
        precondition(maxShardBytes > 0, "shard size must be positive")
        var groups: [[TensorInfo]] = [[]], size = 0
        for info in tensors {
            if !groups[groups.count - 1].isEmpty && size + info.byteCount > maxShardBytes {
                groups.append([])
                size = 0
            }
            groups[groups.count - 1].append(info)
            size += info.byteCount
        }
        return groups
    }

    private static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }

    /// `model.safetensors` → `model-00001-of-00003.safetensors`.
    static func shardPath(_ path: String, _ index: Int, of count: Int) -> String {
        let stem = path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path
        func padded(_ value: Int) -> String { String(repeating: "0", count: max(0, 5 - String(value).count)) + String(value) }
        return "\(stem)-\(padded(index))-of-\(padded(count)).safetensors"
    }

    public func append(_ tensor: Tensor) throws {
        try shardWriters[shardOf[next]].append(tensor)
        next += 1
    }

    public func commit() throws -> [String] {
        for writer in shardWriters { _ = try writer.commit() }
        guard let staging, let index = destinations.last else { return destinations }
        try AtomicFile.write(Array(indexJSON().utf8), to: staging.file(Self.fileName(index)))
        return try staging.publish(Array(destinations.dropLast()), index: index)
    }

    /// The index in Hugging Face's layout: sorted keys, two-space indent.
    private func indexJSON() -> String {
        let entries = weightMap.sorted { $0.0 < $1.0 }.map { "    \(JSON.quote($0.0)): \(JSON.quote($0.1))" }
        return "{\n  \"metadata\": {\n    \"total_size\": \(totalSize)\n  },\n  \"weight_map\": {\n"
            + entries.joined(separator: ",\n") + "\n  }\n}\n"
    }
}
