import CheckpointFormats
import Tensors

/// Where a plan takes its weights from, by canonical parameter name (torchvision / Hugging Face).
public protocol WeightSource {
    /// The float32 values of `name`, in PyTorch's layout, which must have `shape`.
    func values(of name: String, shape: [Int]) throws -> [Float]
}

/// Weights read from any checkpoint the formats module opens, converted to float32 one tensor
/// at a time, the file's pages dropped as they are copied (so memory holds the plan's prepared
/// weights, not a second copy of the file).
public struct CheckpointWeights: WeightSource {
    public let reader: CheckpointReader
    private let shapes: [String: [Int]]

    public init(_ reader: CheckpointReader) {
        self.reader = reader
        shapes = Dictionary(reader.tensors.map { ($0.name, $0.shape.dims) }, uniquingKeysWith: { first, _ in first })
    }

    public func values(of name: String, shape: [Int]) throws -> [Float] {
        guard let found = shapes[name] else { throw EngineError.missingWeight(name: name, source: reader.path) }
        guard found == shape else { throw EngineError.wrongShape(name: name, expected: shape, found: found, source: reader.path) }
        let tensor = try reader.tensor(named: name)
        do {
            return try tensor.floats()
        } catch {
            throw EngineError.unreadableWeight(name: name, source: reader.path, reason: "\(error)")
        }
    }
}

/// Weights computed by a function of name and shape (generated weights, tests, tools).
public struct ComputedWeights: WeightSource {
    private let body: (String, [Int]) throws -> [Float]

    public init(_ body: @escaping (_ name: String, _ shape: [Int]) throws -> [Float]) { self.body = body }

    public func values(of name: String, shape: [Int]) throws -> [Float] { try body(name, shape) }
}

extension ComputedWeights {
    /// Deterministic pseudo-random weights in ±⅛ (batch-norm variances 1): for timing a model,
    /// which depends on there being no denormals or NaNs, not on the values.
    public static func forTiming() -> ComputedWeights {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return ComputedWeights { name, shape in
            (0..<shape.reduce(1, *)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return name.hasSuffix("running_var") ? 1 : Float(Int64(bitPattern: state) >> 40) * 0x1p-26
            }
        }
    }
}
