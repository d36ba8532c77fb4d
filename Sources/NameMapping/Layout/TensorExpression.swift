import Tensors

/// How one tensor on one side of a mapping is made from tensors on the other side. Most are a
/// single tensor under a layout transform; the rest cover what a renaming cannot: fused and split
/// projections, tensors one framework has and the other lacks, and folds that keep a function
/// unchanged when two frameworks compute it differently. Evaluated one output tensor at a time.
public indirect enum TensorExpression: Sendable, Equatable {
    /// A tensor of the other side, by name.
    case tensor(String)
    case transformed(TensorExpression, LayoutTransform)
    /// Several tensors joined along their first axis (fused query/key/value projections).
    case concatenated([TensorExpression])
    /// Rows `range` of the first axis (one projection of a fused tensor).
    case rows(TensorExpression, Range<Int>)
    /// A tensor the other side does not have, filled with `value` (a zero bias, a step counter).
    case filled(value: Double, shape: [Int], dtype: DType)
    /// `a − b` element-wise: a convolution bias folded into the batch-norm mean that follows it.
    case difference(TensorExpression, TensorExpression)
    /// A batch-norm scale `γ · √(σ² + to) / √(σ² + from)`: the same function under epsilon `to`
    /// as `γ` computes under `from`.
    case epsilonFolded(scale: TensorExpression, variance: TensorExpression, from: Double, to: Double)

    /// The other side's tensors this expression reads.
    public var inputs: [String] {
        switch self {
        case .tensor(let name): [name]
        case .transformed(let inner, _), .rows(let inner, _): inner.inputs
        case .concatenated(let parts): parts.flatMap(\.inputs)
        case .filled: []
        case .difference(let a, let b): a.inputs + b.inputs
        case .epsilonFolded(let scale, let variance, _, _): scale.inputs + variance.inputs
        }
    }

    /// The transform when the expression is one tensor under a layout transform (the common case).
    public var layout: LayoutTransform? {
        switch self {
        case .tensor: .identity
        case .transformed(.tensor, let transform): transform
        default: nil
        }
    }

    /// A short description for reports: the layout transform or the operation.
    public var summary: String {
        switch self {
        case .tensor: "as is"
        case .transformed(_, let transform): transform.label
        case .concatenated(let parts): "fused from \(parts.count)"
        case .rows(_, let range): "rows \(range.lowerBound)..<\(range.upperBound)"
        case .filled(let value, _, _): "filled with \(value)"
        case .difference: "bias folded into mean"
        case .epsilonFolded(_, _, let from, let to): "scale refolded for ε \(from)→\(to)"
        }
    }

    /// The tensor, reading the other side through `resolve`.
    public func evaluate(_ resolve: (String) throws -> Tensor) throws -> Tensor {
        switch self {
        case .tensor(let name):
            return try resolve(name)
        case .transformed(let inner, let transform):
            return try transform.apply(inner.evaluate(resolve))
        case .concatenated(let parts):
            let tensors = try parts.map { try $0.evaluate(resolve) }
            let first = tensors[0]
            let rows = tensors.reduce(0) { $0 + $1.shape.dims[0] }
            let result = try Tensor(zeros: first.dtype, shape: Shape([rows] + first.shape.dims.dropFirst()))
            var offset = 0
            for tensor in tensors {
                guard tensor.dtype == first.dtype, Array(tensor.shape.dims.dropFirst()) == Array(first.shape.dims.dropFirst()) else {
                    throw ExpressionError.mismatchedParts(inputs)
                }
                tensor.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: result.storage.mutableBytes[offset..<offset + $0.count]).copyMemory(from: $0) }
                offset += tensor.byteCount
            }
            return result
        case .rows(let inner, let range):
            let tensor = try inner.evaluate(resolve)
            guard tensor.shape.rank > 0, range.upperBound <= tensor.shape.dims[0] else { throw ExpressionError.rowsOutside(inputs, range, tensor.shape.dims) }
            let rowBytes = tensor.byteCount / max(tensor.shape.dims[0], 1)
            let storage = TensorStorage(slicing: tensor.storage, range: range.lowerBound * rowBytes..<range.upperBound * rowBytes)
            return try Tensor(dtype: tensor.dtype, shape: Shape([range.count] + tensor.shape.dims.dropFirst()), storage: storage)
        case .filled(let value, let shape, let dtype):
            // Zeros in any dtype (an integer step counter has no float conversion).
            if value == 0 { return try Tensor(zeros: dtype, shape: Shape(shape)) }
            let filled = Tensor([Double](repeating: value, count: shape.reduce(1, *)), dtype: .f64, shape: try Shape(shape))
            return try filled.converted(to: dtype)
        case .difference(let a, let b):
            let (x, y) = (try a.evaluate(resolve), try b.evaluate(resolve))
            guard x.shape == y.shape else { throw ExpressionError.mismatchedParts(inputs) }
            return try Self.combine(x, y) { $0 - $1 }
        case .epsilonFolded(let scale, let variance, let from, let to):
            let (gamma, sigma2) = (try scale.evaluate(resolve), try variance.evaluate(resolve))
            guard gamma.shape == sigma2.shape else { throw ExpressionError.mismatchedParts(inputs) }
            return try Self.combine(gamma, sigma2) { $0 * ($1 + to).squareRoot() / ($1 + from).squareRoot() }
        }
    }

    /// `f` applied element-wise in double precision; the result has `x`'s dtype.
    private static func combine(_ x: Tensor, _ y: Tensor, _ f: (Double, Double) -> Double) throws -> Tensor {
        let a = try x.converted(to: .f64).scalars(as: Double.self), b = try y.converted(to: .f64).scalars(as: Double.self)
        return try Tensor(zip(a, b).map(f), dtype: .f64, shape: x.shape).converted(to: x.dtype)
    }
}

/// An expression whose inputs do not fit together.
public enum ExpressionError: Error, CustomStringConvertible, Equatable {
    case mismatchedParts([String])
    case rowsOutside([String], Range<Int>, [Int])

    public var description: String {
        switch self {
        case .mismatchedParts(let names): "tensors \(names.joined(separator: ", ")) do not fit together (shapes or dtypes differ)"
        case .rowsOutside(let names, let range, let shape):
            "rows \(range.lowerBound)..<\(range.upperBound) lie outside \(names.joined(separator: ", ")) of shape \(shape)"
        }
    }
}
