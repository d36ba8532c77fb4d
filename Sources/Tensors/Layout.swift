extension Tensor {
    /// The tensor with its axes reordered: result axis `i` is source axis `axes[i]` (NumPy's
    /// `transpose(axes)`), as a new C-ordered tensor.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<shape.rank), "axes must be a permutation of 0..<rank")
        let sourceStrides = shape.contiguousStrides
        return withUnsafeBytes {
            Tensor.gathering(
                dtype: dtype, shape: Shape(uncheckedDims: axes.map { shape.dims[$0] }), from: $0,
                offset: 0, strides: axes.map { sourceStrides[$0] })
        }
    }

    /// A new C-ordered tensor holding the strided view of `source` that starts at element
    /// `offset` and steps `strides` elements per axis (PyTorch's view geometry); the caller has
    /// checked that the view lies inside `source`.
    public static func gathering(dtype: DType, shape: Shape, from source: UnsafeRawBufferPointer, offset: Int, strides: [Int]) -> Tensor {
        let result = try! Tensor(zeros: dtype, shape: shape)
        let count = shape.elements
        guard count > 0 else { return result }
        let size = dtype.size, output = result.storage.mutableBytes
        var index = [Int](repeating: 0, count: shape.rank)
        var element = offset
        for position in 0..<count {
            (output.baseAddress! + position * size).copyMemory(from: source.baseAddress! + element * size, byteCount: size)
            // Odometer step over the output index, tracking the source element.
            var axis = shape.rank - 1
            while axis >= 0 {
                index[axis] += 1
                element += strides[axis]
                if index[axis] < shape.dims[axis] { break }
                element -= strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// A copy with every element's bytes reversed (big-endian ⇄ little-endian).
    public func byteSwapped() -> Tensor {
        let result = try! Tensor(zeros: dtype, shape: shape)
        let size = dtype.size, output = result.storage.mutableBytes
        output.copyMemory(from: bytes)
        guard size > 1 else { return result }
        for start in stride(from: 0, to: output.count, by: size) {
            var low = start, high = start + size - 1
            while low < high {
                output.swapAt(low, high)
                low += 1
                high -= 1
            }
        }
        return result
    }
}

extension Shape {
    /// For dimensions already known to be non-negative.
    init(uncheckedDims: [Int]) { dims = uncheckedDims }
}
