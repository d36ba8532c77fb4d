import CheckpointFormats
import Engine
import Tensors

/// A checkpoint read through a convention: each canonical parameter on demand, rebuilt from the
/// file's tensors by the layout's import expressions, one parameter at a time.
public struct MappedCheckpoint: WeightSource {
    public let reader: CheckpointReader
    public let layout: ConventionLayout
    /// What precedes every mapped name in the file (`module.`, `module.pre.`, a nested model's path).
    public let prefix: String
    /// Convention name → the file's own name for it.
    private let fileNames: [String: String]

    public init(reader: CheckpointReader, layout: ConventionLayout, prefix: String = "") {
        self.reader = reader
        self.layout = layout
        self.prefix = prefix
        var names: [String: String] = [:]
        for info in reader.tensors {
            let key = TensorKey.normalized(info.name)
            guard key.hasPrefix(prefix) else { continue }
            names[String(key.dropFirst(prefix.count)), default: info.name] = names[String(key.dropFirst(prefix.count))] ?? info.name
        }
        fileNames = names
    }

    /// The file's name for the convention's tensor `name`, if the file has it.
    public func fileName(of name: String) -> String? { fileNames[name] }

    /// The convention's tensor `name` as the file stores it.
    public func conventionTensor(_ name: String) throws -> Tensor {
        guard let file = fileNames[name] else { throw MappingError.missingTensor(file: reader.path, name: prefix + name) }
        return try reader.tensor(named: file)
    }

    /// Canonical parameter `name`, in the canonical layout.
    public func canonical(_ name: String) throws -> Tensor {
        guard let expression = layout.imports[name] else { throw MappingError.notInGraph(name: name, model: layout.model) }
        return try expression.evaluate(conventionTensor)
    }

    public func values(of name: String, shape: [Int]) throws -> [Float] {
        let tensor: Tensor
        do {
            tensor = try canonical(name)
        } catch let error as MappingError {
            throw EngineError.missingWeight(name: "\(name) (\(error))", source: reader.path)
        }
        guard tensor.shape.dims == shape else { throw EngineError.wrongShape(name: name, expected: shape, found: tensor.shape.dims, source: reader.path) }
        return try tensor.converted(to: .f32).scalars(as: Float.self)
    }
}

/// How file names are compared with convention names: Keras's legacy weight names carry a
/// TensorFlow output index (`conv1/kernel:0`) that names nothing, and tf.keras 2 calls a
/// depthwise kernel `depthwise_kernel` where Keras 3 says `kernel`.
enum TensorKey {
    static func normalized(_ name: String) -> String {
        let bare = name.hasSuffix(":0") ? String(name.dropLast(2)) : name
        return bare.hasSuffix("/depthwise_kernel") ? String(bare.dropLast("depthwise_kernel".count)) + "kernel" : bare
    }
}
