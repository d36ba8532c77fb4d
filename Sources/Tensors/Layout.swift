extension Tensor {
    /// The tensor with its axes reordered: result axis `i` is source axis `axes[i]` (NumPy's
    /// `transpose(axes)`), as a new C-ordered tensor.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<shape.rank), "axes must be a permutation of 0..<rank")
        let outShape = Shape(uncheckedDims: axes.map { shape.dims[$0] })
        let sourceStrides = shape.contiguousStrides
        let strides = axes.map { sourceStrides[$0] * dtype.size }
        let result = try! Tensor(zeros: dtype, shape: outShape)
        let count = outShape.elements
        guard count > 0 else { return result }
        let size = dtype.size, input = bytes, output = result.storage.mutableBytes
        var index = [Int](repeating: 0, count: outShape.rank)
        var offset = 0
        for element in 0..<count {
            output.baseAddress!.advanced(by: element * size).copyMemory(from: input.baseAddress!.advanced(by: offset), byteCount: size)
            // Odometer step over the output index, tracking the source byte offset.
            var axis = outShape.rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < outShape.dims[axis] { break }
                offset -= strides[axis] * index[axis]
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
