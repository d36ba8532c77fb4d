import Tensors

/// How a parameter's storage differs between the canonical layout (PyTorch's) and a convention's:
/// a short pipeline of axis permutations and reshapes, exactly invertible, applied one tensor at a
/// time while a checkpoint streams through.
public struct LayoutTransform: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// Result axis `i` is input axis `axes[i]` (NumPy's `transpose`).
        case permute([Int])
        /// The same elements in C order under new dimensions.
        case reshape([Int])
    }

    public let steps: [Step]
    /// What the transform is called where people read it (`OIHW→HWIO`).
    public let label: String

    public init(_ steps: [Step], label: String) {
        self.steps = steps
        self.label = label
    }

    public static let identity = LayoutTransform([], label: "as is")
    /// A convolution kernel `[out, in, kh, kw]` as TensorFlow stores it, `[kh, kw, in, out]`.
    public static let convolutionToHWIO = LayoutTransform([.permute([2, 3, 1, 0])], label: "OIHW→HWIO")
    /// A depthwise kernel `[channels, 1, kh, kw]` as Keras's `DepthwiseConv2D` stores it, `[kh, kw, channels, 1]`.
    public static let depthwiseToHWCM = LayoutTransform([.permute([2, 3, 0, 1])], label: "depthwise OIHW→HWCM")
    /// A linear layer's `[out, in]` as a Dense kernel `[in, out]`.
    public static let linearToDense = LayoutTransform([.permute([1, 0])], label: "Linear→Dense")

    /// A linear layer `[out, in]` as a PyTorch 1×1 convolution `[out, in, 1, 1]`.
    public static func linearToConvolution(_ shape: [Int]) -> LayoutTransform {
        LayoutTransform([.reshape([shape[0], shape[1], 1, 1])], label: "Linear→1×1 conv")
    }

    /// A linear layer `[out, in]` as a TensorFlow 1×1 convolution kernel `[1, 1, in, out]`.
    public static func linearToHWIOConvolution(_ shape: [Int]) -> LayoutTransform {
        LayoutTransform([.permute([1, 0]), .reshape([1, 1, shape[1], shape[0]])], label: "Linear→1×1 conv HWIO")
    }

    /// A linear layer `[out, C·H·W]` reading a flattened `[C, H, W]` map, as a PyTorch convolution
    /// `[out, C, H, W]` over the unflattened map (timm's VGG `pre_logits`).
    public static func linearToSpatialConvolution(_ shape: [Int], map: [Int]) -> LayoutTransform {
        LayoutTransform([.reshape([shape[0]] + map)], label: "Linear→\(map[1])×\(map[2]) conv")
    }

    /// A linear layer reading a channels-first flattened `[C, H, W]` map, as a Dense kernel
    /// reading a channels-last flattened `[H, W, C]` map (Keras's `Flatten` after a convolution).
    public static func linearToChannelsLastDense(_ shape: [Int], map: [Int]) -> LayoutTransform {
        let (c, h, w) = (map[0], map[1], map[2])
        return LayoutTransform(
            [.reshape([shape[0], c, h, w]), .permute([2, 3, 1, 0]), .reshape([h * w * c, shape[0]])],
            label: "Linear(CHW)→Dense(HWC)")
    }

    /// A projection `[heads·size, in]` as an `EinsumDense` kernel `[in, heads, size]`.
    public static func linearToHeads(_ shape: [Int], heads: Int) -> LayoutTransform {
        LayoutTransform([.permute([1, 0]), .reshape([shape[1], heads, shape[0] / heads])], label: "Linear→[in, heads, size]")
    }

    /// An output projection `[out, heads·size]` as an `EinsumDense` kernel `[heads, size, out]`.
    public static func linearFromHeads(_ shape: [Int], heads: Int) -> LayoutTransform {
        LayoutTransform([.permute([1, 0]), .reshape([heads, shape[1] / heads, shape[0]])], label: "Linear→[heads, size, out]")
    }

    /// A bias `[heads·size]` as `[heads, size]`.
    public static func biasToHeads(_ shape: [Int], heads: Int) -> LayoutTransform {
        LayoutTransform([.reshape([heads, shape[0] / heads])], label: "bias→[heads, size]")
    }

    public var isIdentity: Bool { steps.isEmpty }

    /// The shape a tensor of `shape` has after the transform.
    public func shape(after shape: [Int]) -> [Int] {
        steps.reduce(shape) { current, step in
            switch step {
            case .permute(let axes): axes.map { current[$0] }
            case .reshape(let dims): dims
            }
        }
    }

    /// The transform that undoes this one on tensors that had `shape` before it.
    public func inverse(from shape: [Int]) -> LayoutTransform {
        var shapes = [shape]
        for step in steps { shapes.append(LayoutTransform([step], label: "").shape(after: shapes.last!)) }
        let undone: [Step] = steps.enumerated().reversed().map { index, step in
            switch step {
            case .permute(let axes):
                var inverse = [Int](repeating: 0, count: axes.count)
                for (position, axis) in axes.enumerated() { inverse[axis] = position }
                return .permute(inverse)
            case .reshape: return .reshape(shapes[index])
            }
        }
        return LayoutTransform(undone, label: isIdentity ? label : "inverse of \(label)")
    }

    /// Applies the transform; the tensor's element count must fit every reshape.
    public func apply(_ tensor: Tensor) throws -> Tensor {
        var current = tensor
        for step in steps {
            switch step {
            case .permute(let axes):
                guard axes.count == current.shape.rank else { throw LayoutError.rankMismatch(label, current.shape.dims) }
                // Axes longer than 1 kept in order: the C-order bytes stay where they are.
                let dims = axes.map { current.shape.dims[$0] }
                let ordered = axes.filter { current.shape.dims[$0] != 1 }
                current = ordered == ordered.sorted()
                    ? try Tensor(dtype: current.dtype, shape: Shape(dims), storage: current.storage)
                    : current.permuted(axes)
            case .reshape(let dims):
                guard dims.reduce(1, *) == current.shape.elements else { throw LayoutError.rankMismatch(label, current.shape.dims) }
                current = try Tensor(dtype: current.dtype, shape: Shape(dims), storage: current.storage)
            }
        }
        return current
    }
}

/// A transform that does not fit the tensor it was given (a convention described wrongly).
public enum LayoutError: Error, CustomStringConvertible, Equatable {
    case rankMismatch(String, [Int])

    public var description: String {
        switch self {
        case .rankMismatch(let label, let shape): "layout transform \(label) does not apply to a tensor of shape \(shape)"
        }
    }
}
