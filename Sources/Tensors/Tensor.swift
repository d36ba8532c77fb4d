/// A dense, C-ordered, little-endian tensor: a dtype, a shape and exactly `shape × dtype.size`
/// bytes of storage, owned or memory-mapped.
public struct Tensor: Sendable {
    public let dtype: DType
    public let shape: Shape
    public let storage: TensorStorage

    /// Wraps storage whose size has been checked against the shape.
    public init(dtype: DType, shape: Shape, storage: TensorStorage) throws(ShapeError) {
        let expected = try shape.byteCount(dtype)
        precondition(expected == storage.bytes.count, "storage size does not match shape")
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    /// A zero-filled tensor.
    public init(zeros dtype: DType, shape: Shape) throws(ShapeError) {
        try self.init(dtype: dtype, shape: shape, storage: TensorStorage(zeroedByteCount: shape.byteCount(dtype)))
    }

    /// A tensor holding a copy of `values` (for small tensors built in code and tests).
    public init<T: BitwiseCopyable>(_ values: [T], dtype: DType, shape: Shape) {
        precondition(MemoryLayout<T>.stride == dtype.size && values.count == shape.elements, "values do not fit dtype/shape")
        let storage = TensorStorage(zeroedByteCount: values.count * dtype.size)
        values.withUnsafeBytes { storage.mutableBytes.copyMemory(from: $0) }
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    /// Calls `body` with the tensor's bytes, keeping the storage alive for the call (a bare
    /// pointer could outlive a temporary tensor's owned storage).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(storage.bytes) }
    }

    /// A copy of the tensor's bytes.
    public var byteArray: [UInt8] { withUnsafeBytes(Array.init) }

    /// For code in this module, inside methods where `self` keeps the storage alive.
    var bytes: UnsafeRawBufferPointer { storage.bytes }
    public var byteCount: Int { storage.bytes.count }
    public var elementCount: Int { byteCount / dtype.size }

    /// The elements as `T` (a copy); `T` must have the dtype's size.
    public func scalars<T: BitwiseCopyable>(as: T.Type = T.self) -> [T] {
        precondition(MemoryLayout<T>.stride == dtype.size, "scalar type does not match dtype")
        return [T](unsafeUninitializedCapacity: elementCount) { buffer, count in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            count = elementCount
        }
    }
}
