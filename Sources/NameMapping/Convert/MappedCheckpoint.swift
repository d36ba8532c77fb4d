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
    /// Convention name → the file's tensor under it (the first, should two normalise alike).
    private let fileTensors: [String: TensorInfo]

    public init(reader: CheckpointReader, layout: ConventionLayout, prefix: String = "") {
        self.reader = reader
        self.layout = layout
        self.prefix = prefix
        var tensors: [String: TensorInfo] = [:]
        for info in reader.tensors {
            let key = TensorKey.normalized(info.name)
            guard key.hasPrefix(prefix) else { continue }
            let name = String(key.dropFirst(prefix.count))
            if tensors[name] == nil { tensors[name] = info }
        }
        fileTensors = tensors
    }

    /// The file's tensor for the convention's tensor `name`, if the file has it.
    public func fileTensor(of name: String) -> TensorInfo? { fileTensors[name] }

    /// The convention's tensor `name` as the file stores it.
    public func conventionTensor(_ name: String) throws -> Tensor {
        guard let file = fileTensors[name] else { throw MappingError.missingTensor(file: reader.path, name: prefix + name) }
        return try reader.tensor(named: file.name)
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
        return try tensor.floats()
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
