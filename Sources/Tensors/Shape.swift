/// A tensor's dimensions, outermost first. Element counts are computed with overflow checks,
/// because shapes come from untrusted files.
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public let dims: [Int]

    /// Fails when a dimension is negative.
    public init(_ dims: [Int]) throws(ShapeError) {
        if let bad = dims.first(where: { $0 < 0 }) { throw .negativeDimension(bad) }
        self.dims = dims
    }

    public init(arrayLiteral elements: Int...) {
        precondition(elements.allSatisfy { $0 >= 0 }, "negative dimension in a literal shape")
        dims = elements
    }

    public var rank: Int { dims.count }

    /// The number of elements, or a `ShapeError` when the product does not fit in `Int`.
    public func elementCount() throws(ShapeError) -> Int {
        var count = 1
        for dim in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { throw .overflow(dims) }
            count = product
        }
        return count
    }

    /// Bytes for this shape at `dtype`, overflow-checked.
    public func byteCount(_ dtype: DType) throws(ShapeError) -> Int {
        let (bytes, overflow) = try elementCount().multipliedReportingOverflow(by: dtype.size)
        if overflow { throw .overflow(dims) }
        return bytes
    }

    /// Element count for shapes already validated (built in code or checked when read).
    public var elements: Int { dims.reduce(1, *) }

    /// C-order (row-major) strides in elements.
    public var contiguousStrides: [Int] {
        var strides = [Int](repeating: 1, count: dims.count)
        var running = 1
        for axis in dims.indices.reversed() {
            strides[axis] = running
            running *= dims[axis]
        }
        return strides
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}

/// Why a shape was rejected.
public enum ShapeError: Error, Equatable, CustomStringConvertible {
    case negativeDimension(Int)
    case overflow([Int])

    public var description: String {
        switch self {
        case .negativeDimension(let dim): "negative dimension \(dim)"
        case .overflow(let dims): "shape \(dims) has more elements than fit in memory (overflow)"
        }
    }
}

extension Shape: Codable {
    /// Decoded as its dimension list, validated like any other.
    public init(from decoder: Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode([Int].self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dims)
    }
}
