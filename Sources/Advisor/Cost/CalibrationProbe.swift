import Architectures

/// One layer shape the calibration times: a tiny graph around a real layer of a registry model,
/// run by the engine, and the operation kind it measures; forward by an inference `ForwardPlan`
/// on `graph`, backward by a `TrainingPlan` on `trainingGraph` with nothing frozen.
struct CalibrationProbe {
    let name: String
    let kind: OperationKind
    let graph: ModelGraph
    /// `graph` for the backward probe: image probes get a trainable batch-norm in front, so that
    /// the probed layer computes its input gradient as well as its weight gradient (as every
    /// layer of a trained model does but the first); token probes already start at a trained
    /// embedding.
    let trainingGraph: ModelGraph
    let batch: Int

    /// Real layers of ResNet-50, MobileNetV2 and BERT-base, at batch 8: three convolution shapes
    /// (3×3 at two resolutions, 1×1), two depthwise shapes, BERT's feed-forward pair, its attention (12 heads,
    /// 128 tokens), and a batch-norm + ReLU + residual add + max-pool chain for the memory-bound kind.
    static let standard: [CalibrationProbe] = [
        image("resnet50 layer1 conv 3x3 64→64 @56", .convolution, channels: 64, size: 56) { b in
            b.add("conv", .conv2d(.init(64, 64, kernel: 3, padding: 1)))
        },
        image("resnet50 layer3 conv 3x3 256→256 @14", .convolution, channels: 256, size: 14) { b in
            b.add("conv", .conv2d(.init(256, 256, kernel: 3, padding: 1)))
        },
        image("resnet50 layer3 conv 1x1 256→1024 @14", .convolution, channels: 256, size: 14) { b in
            b.add("conv", .conv2d(.init(256, 1024, kernel: 1)))
        },
        image("mobilenet_v2 depthwise 3x3 144 @56", .depthwiseConvolution, channels: 144, size: 56) { b in
            b.add("conv", .conv2d(.init(144, 144, kernel: 3, padding: 1, groups: 144)))
        },
        image("mobilenet_v2 depthwise 3x3 576 @14", .depthwiseConvolution, channels: 576, size: 14) { b in
            b.add("conv", .conv2d(.init(576, 576, kernel: 3, padding: 1, groups: 576)))
        },
        tokens("bert_base feed-forward 768→3072→768 x128 tokens", .linear) { b in
            b.add("intermediate", .linear(inFeatures: 768, outFeatures: 3072, bias: true))
            b.add("output", .linear(inFeatures: 3072, outFeatures: 768, bias: true))
        },
        tokens("bert_base attention 12 heads x128 tokens", .attention) { b in
            let hidden = b.nodes.count - 1
            let q = b.add("query", .linear(inFeatures: 768, outFeatures: 768, bias: true), [hidden])
            let k = b.add("key", .linear(inFeatures: 768, outFeatures: 768, bias: true), [hidden])
            let v = b.add("value", .linear(inFeatures: 768, outFeatures: 768, bias: true), [hidden])
            b.add("scores", .attention(heads: 12), [q, k, v])
        },
        image("resnet50 batch-norm, relu, add, max-pool 256 @56", .memoryBound, channels: 256, size: 56) { b in
            b.add("bn", .batchNorm(channels: 256, epsilon: 1e-5))
            let relu = b.add("relu", .activation(.relu))
            b.add("add", .add, [relu, b.input])
            b.add("pool", .maxPool(kernel: 3, stride: 1, padding: 1))
        },
    ]

    static let tokenLength = 128

    private static func image(_ name: String, _ kind: OperationKind, channels: Int, size: Int, _ body: (inout GraphBuilder) -> Void) -> CalibrationProbe {
        let input = InputSpec.image(channels: channels, size: size)
        var builder = GraphBuilder(), training = GraphBuilder()
        body(&builder)
        training.add("gradient_source", .batchNorm(channels: channels, epsilon: 1e-5))
        body(&training)
        return CalibrationProbe(
            name: name, kind: kind, graph: builder.graph(name: name, input: input), trainingGraph: training.graph(name: name, input: input), batch: 8)
    }

    /// A token graph: an embedding of 768 (a small vocabulary: the lookup is not what is timed), then `body`.
    private static func tokens(_ name: String, _ kind: OperationKind, _ body: (inout GraphBuilder) -> Void) -> CalibrationProbe {
        var builder = GraphBuilder()
        builder.add("embeddings", .embedding(count: 1000, dimension: 768, index: .token))
        body(&builder)
        let graph = builder.graph(name: name, input: .tokens(length: tokenLength))
        return CalibrationProbe(name: name, kind: kind, graph: graph, trainingGraph: graph, batch: 8)
    }

    /// The probe's work of its own kind per pass (the whole batch).
    var work: Int { graph.work().filter { $0.kind == kind }.reduce(0) { $0 + $1.amount } * batch }

    /// The probe's backward work of its own kind per pass (the whole batch), with nothing frozen:
    /// `ModelGraph.backwardWork`, what the cost model prices at the backward throughput.
    var backwardWork: Int {
        let plan = FreezePlan(trainingGraph, frozen: [])
        return trainingGraph.backwardWork(plan).filter { $0.kind == kind }.reduce(0) { $0 + $1.amount } * batch
    }

    /// The training plan's profile entries (`TrainingPlan.profile`) whose seconds count for the
    /// probe's backward pass: the backward steps of its own kind; for the memory-bound probe every
    /// backward step and the zeroing of gradient buffers before them.
    func countsBackward(step: String) -> Bool {
        switch kind {
        case .convolution: step == "backward ConvolutionStep"
        case .depthwiseConvolution: step == "backward DepthwiseStep"
        case .linear: step == "backward LinearStep"
        case .attention: step == "backward AttentionStep"
        case .memoryBound: step.hasPrefix("backward ") || step == "zeroing"
        }
    }

    /// The engine's kernel types whose seconds count for the probe's kind. The memory-bound probe
    /// counts every kernel but the input's layout change; the others only their own.
    func counts(kernel: String) -> Bool {
        switch kind {
        case .convolution: kernel == "Convolution"
        case .depthwiseConvolution: kernel == "DepthwiseConvolution"
        case .linear: kernel == "Linear"
        case .attention: kernel == "Attention"
        case .memoryBound: kernel != "ChannelTranspose"
        }
    }
}
