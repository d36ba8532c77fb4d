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
        guard shape.elements > 0 else { return result }
        let output = result.storage.mutableBytes
        switch dtype.size {
        case 1: gather(UInt8.self, shape.dims, output, source, offset, strides)
        case 2: gather(UInt16.self, shape.dims, output, source, offset, strides)
        case 4: gather(UInt32.self, shape.dims, output, source, offset, strides)
        default: gather(UInt64.self, shape.dims, output, source, offset, strides)
        }
        return result
    }

    /// The strided copy, element type `T`: an odometer over all axes but the last, a tight loop
    /// along the last.
    private static func gather<T>(
        _: T.Type, _ dims: [Int], _ output: UnsafeMutableRawBufferPointer, _ source: UnsafeRawBufferPointer, _ offset: Int, _ strides: [Int]
    ) {
        let to = output.bindMemory(to: T.self).baseAddress!, from = source.bindMemory(to: T.self).baseAddress!
        let rank = dims.count
        guard rank > 0 else {
            to[0] = from[offset]
            return
        }
        if rank == 2 && strides[1] != 1 && strides[0] == 1 {
            // A matrix transpose: in tiles, so both sides stay in cache.
            let (rows, columns, pitch) = (dims[0], dims[1], strides[1])
            let tile = 32
            for rowStart in stride(from: 0, to: rows, by: tile) {
                for columnStart in stride(from: 0, to: columns, by: tile) {
                    for row in rowStart..<min(rowStart + tile, rows) {
                        let line = to + row * columns, base = from + offset + row
                        for column in columnStart..<min(columnStart + tile, columns) { line[column] = base[column * pitch] }
                    }
                }
            }
            return
        }
        let inner = dims[rank - 1], step = strides[rank - 1]
        let rows = dims.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: rank - 1)
        var element = offset
        for row in 0..<rows {
            let line = to + row * inner
            var position = element
            for column in 0..<inner {
                line[column] = from[position]
                position += step
            }
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                element += strides[axis]
                if index[axis] < dims[axis] { break }
                element -= strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
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
