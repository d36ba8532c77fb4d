import Architectures
import CheckpointFormats
import Foundation
import Tensors
import TestSupport

/// Small checkpoints written for the tests: a registry model's canonical weights (name-keyed, so
/// forward passes are meaningful) under any names, with extra tensors if asked.
enum Checkpoints {
    /// This test process's folder (gigabytes by the end of a run), removed when the process exits.
    static let folder: String = {
        let path = NSTemporaryDirectory() + "zoo-namemapping-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Checkpoints.folder) }
        return path
    }()

    /// A fresh path in the test folder.
    static func path(_ name: String) -> String { folder + "/\(UUID().uuidString.prefix(8))-" + name }

    /// The canonical weights of `model` with a `classes`-way head (nil: headless).
    static func canonical(_ model: String, classes: Int?) -> [(String, Tensor)] {
        Registry.model(named: model)!.build(classes).parameters.map { p in
            (p.name, NameKeyedWeights.tensor(name: p.name, shape: try! Shape(p.spec.shape), dtype: p.spec.dtype, gain: 4)!)
        }
    }

    /// Writes `tensors` (renamed by `rename`) plus `extras` as safetensors.
    static func write(_ tensors: [(String, Tensor)], to path: String, rename: (String) -> String = { $0 }, extras: [(String, Tensor)] = []) throws -> String {
        let all = tensors.map { (rename($0.0), $0.1) } + extras
        let writer = try SafetensorsWriter(path: path, tensors: all.map { TensorInfo(name: $0.0, dtype: $0.1.dtype, shape: $0.1.shape) })
        for (_, tensor) in all { try writer.append(tensor) }
        _ = try writer.commit()
        return path
    }
}
