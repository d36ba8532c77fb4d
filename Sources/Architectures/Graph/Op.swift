import Tensors

/// Element-wise non-linearities, as the reference libraries define them.
public enum Activation: String, Sendable, Codable {
    case relu, relu6, hardswish, hardsigmoid, silu, sigmoid, tanh
    /// GELU with the exact erf form (BERT, RoBERTa, DistilBERT, MiniLM in PyTorch).
    case gelu
    /// GELU's tanh approximation (Google's original TensorFlow BERT).
    case geluTanh = "gelu_tanh"
}

/// One operation of a model graph. Operations with weights describe them through `parameters`;
/// everything else (shapes, multiply-accumulates) is derived from the operation and its inputs.
public enum Op: Sendable, Equatable {
    /// The graph's input: an image `[channels, height, width]` or a token sequence.
    case input
    case conv2d(Conv2D)
    /// Batch normalisation; `momentum` is PyTorch's (the weight of the batch in the running
    /// statistics' update): 0.1 by default, 0.01 in torchvision's MobileNetV3.
    case batchNorm(channels: Int, epsilon: Double, momentum: Double = 0.1)
    case activation(Activation)
    case maxPool(kernel: Int, stride: Int, padding: Int)
    /// Adaptive average pooling to `size × size`, as torchvision's `AdaptiveAvgPool2d`.
    case adaptiveAvgPool(size: Int)
    case flatten
    case linear(inFeatures: Int, outFeatures: Int, bias: Bool)
    case dropout(probability: Double)
    /// Element-wise sum of the inputs (residual connections).
    case add
    /// The first input scaled channel-wise by the second (`[C,1,1]`): squeeze-and-excitation.
    case multiply
    /// A lookup table of `count` vectors of `dimension`, indexed by `index` of each token.
    case embedding(count: Int, dimension: Int, index: EmbeddingIndex)
    case layerNorm(dimension: Int, epsilon: Double)
    /// Scaled dot-product self-attention over inputs (query, key, value), `heads` heads, with a
    /// padding mask; the projections around it are ordinary linear nodes.
    case attention(heads: Int)
    /// The first token's vector (`[CLS]`), what a BERT pooler reads.
    case firstToken

    /// What an embedding table is indexed by.
    public enum EmbeddingIndex: Sendable, Hashable {
        case token
        /// Position counted from 0.
        case position
        /// RoBERTa's positions: tokens other than `paddingToken` are numbered from
        /// `paddingToken + 1` in order, padding tokens get `paddingToken`.
        case positionAfterPadding(paddingToken: Int)
        case tokenType
    }

    /// How a convolution pads its input.
    public enum Padding: Sendable, Equatable, ExpressibleByIntegerLiteral {
        /// The same number of zeros on every side (PyTorch).
        case symmetric(Int)
        /// TensorFlow's "SAME": output = ceil(input / stride), any odd pixel of padding at the
        /// bottom and right (Keras, and timm's `tf_` ports).
        case same

        public init(integerLiteral value: Int) { self = .symmetric(value) }
    }

    /// A 2-D convolution (weight OIHW as PyTorch stores it).
    public struct Conv2D: Sendable, Equatable {
        public var inChannels: Int
        public var outChannels: Int
        public var kernel: Int
        public var stride: Int = 1
        public var padding: Padding = 0
        public var groups: Int = 1
        public var bias: Bool = false

        public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Padding = 0, groups: Int = 1, bias: Bool = false) {
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernel = kernel
            self.stride = stride
            self.padding = padding
            self.groups = groups
            self.bias = bias
        }
    }

    /// The weights and buffers this operation owns, as (suffix, shape, dtype, is-buffer).
    public var parameters: [ParameterSpec] {
        switch self {
        case .conv2d(let conv):
            [ParameterSpec("weight", [conv.outChannels, conv.inChannels / conv.groups, conv.kernel, conv.kernel])]
                + (conv.bias ? [ParameterSpec("bias", [conv.outChannels])] : [])
        case .batchNorm(let channels, _, _):
            [
                ParameterSpec("weight", [channels]), ParameterSpec("bias", [channels]),
                ParameterSpec("running_mean", [channels], buffer: true), ParameterSpec("running_var", [channels], buffer: true),
                ParameterSpec("num_batches_tracked", [], dtype: .i64, buffer: true),
            ]
        case .linear(let inFeatures, let outFeatures, let bias):
            [ParameterSpec("weight", [outFeatures, inFeatures])] + (bias ? [ParameterSpec("bias", [outFeatures])] : [])
        case .embedding(let count, let dimension, _):
            [ParameterSpec("weight", [count, dimension])]
        case .layerNorm(let dimension, _):
            [ParameterSpec("weight", [dimension]), ParameterSpec("bias", [dimension])]
        case .input, .activation, .maxPool, .adaptiveAvgPool, .flatten, .dropout, .add, .multiply, .attention, .firstToken:
            []
        }
    }

    /// The per-sample output shape for the given per-sample input shapes.
    func outputShape(_ inputs: [[Int]]) -> [Int] {
        switch self {
        case .input: return inputs[0]
        case .conv2d(let conv):
            return [conv.outChannels, conv.outputSize(inputs[0][1]), conv.outputSize(inputs[0][2])]
        case .maxPool(let kernel, let stride, let padding):
            return [inputs[0][0], Self.window(inputs[0][1], kernel, stride, padding), Self.window(inputs[0][2], kernel, stride, padding)]
        case .adaptiveAvgPool(let size): return [inputs[0][0], size, size]
        case .flatten: return [inputs[0].reduce(1, *)]
        case .linear(_, let outFeatures, _): return inputs[0].dropLast() + [outFeatures]
        case .batchNorm, .activation, .dropout, .add, .multiply, .layerNorm, .attention: return inputs[0]
        case .embedding(_, let dimension, _): return [inputs[0][0], dimension]
        case .firstToken: return [inputs[0][1]]
        }
    }

    /// Multiply-accumulates per sample, the unit of torchvision's "GFLOPS" column. Only products
    /// that dominate count, as in the published figures: convolutions, linear layers, and the two
    /// products of attention (QKᵀ and the weighted sum of V, T²·H each).
    func multiplyAccumulates(_ inputs: [[Int]], output: [Int]) -> Int {
        switch self {
        case .conv2d(let conv): output.reduce(1, *) * (conv.inChannels / conv.groups) * conv.kernel * conv.kernel
        case .linear(let inFeatures, _, _): output.reduce(1, *) * inFeatures
        case .attention: 2 * output[0] * output.reduce(1, *)
        default: 0
        }
    }

    /// Output size of a sliding window with symmetric padding (PyTorch's floor rule).
    static func window(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }
}

extension Op.Conv2D {
    /// One filter group per input channel (each output channel reads one input channel): the
    /// depthwise convolution of MobileNets and EfficientNets. Every module that treats depthwise
    /// convolutions apart (kernels, cost model, naming conventions) asks this.
    public var isDepthwise: Bool { groups > 1 && groups == inChannels }

    /// Output height or width for an input of `size`.
    func outputSize(_ size: Int) -> Int {
        switch padding {
        case .symmetric(let pad): Op.window(size, kernel, stride, pad)
        case .same: (size + stride - 1) / stride
        }
    }
}

/// A weight or buffer an operation owns, named relative to its node.
public struct ParameterSpec: Sendable, Equatable {
    public let suffix: String
    public let shape: [Int]
    public let dtype: DType
    /// Buffers (batch-norm statistics) are saved in checkpoints but are not trained parameters.
    public let isBuffer: Bool

    public init(_ suffix: String, _ shape: [Int], dtype: DType = .f32, buffer: Bool = false) {
        self.suffix = suffix
        self.shape = shape
        self.dtype = dtype
        self.isBuffer = buffer
    }

    public var elementCount: Int { shape.reduce(1, *) }
}
