import Architectures
import CheckpointFormats
import Engine
import Foundation
import Tensors
import Testing
import TestSupport

/// The plan on shapes no registry model has at its default size, against a direct (naive,
/// double-precision) evaluation written here; and its errors.
struct ForwardPlanTests {
    /// conv 3×3 stride 2 with TF "SAME" padding on an odd size, batch-norm, hard-swish, a
    /// depthwise 3×3, adaptive average pooling to 3×3 from 4×4 (overlapping, uneven bins), a
    /// flatten of a spatial map, and a linear layer.
    static func graph() -> ModelGraph {
        var b = GraphBuilder()
        b.add("conv", .conv2d(.init(3, 5, kernel: 3, stride: 2, padding: .same, bias: true)))
        b.add("bn", .batchNorm(channels: 5, epsilon: 1e-3))
        b.add("act", .activation(.hardswish))
        b.add("dw", .conv2d(.init(5, 5, kernel: 3, padding: 1, groups: 5)))
        b.add("pool", .adaptiveAvgPool(size: 3))
        b.add("flatten", .flatten)
        b.add("fc", .linear(inFeatures: 45, outFeatures: 4, bias: true))
        return b.graph(name: "odd", input: .image(channels: 3, size: 7))
    }

    static var weights: ComputedWeights { EngineReference.weights(gain: 3) }

    /// The graph above evaluated directly on one `[3, 7, 7]` image.
    static func reference(_ image: ArraySlice<Float>) throws -> [Double] {
        func w(_ name: String, _ shape: [Int]) throws -> [Double] { try weights.values(of: name, shape: shape).map(Double.init) }
        let x = Array(image).map(Double.init)
        let conv = try w("conv.weight", [5, 3, 3, 3]), convBias = try w("conv.bias", [5])
        let (gamma, beta) = (try w("bn.weight", [5]), try w("bn.bias", [5]))
        let (mean, variance) = (try w("bn.running_mean", [5]), try w("bn.running_var", [5]))
        // SAME on 7 with stride 2: output 4, padding 2 in total, 1 before and 1 after.
        var a = [Double](repeating: 0, count: 5 * 16)
        for o in 0..<5 { for y in 0..<4 { for x0 in 0..<4 {
            var sum = convBias[o]
            for c in 0..<3 { for ky in 0..<3 { for kx in 0..<3 {
                let iy = y * 2 - 1 + ky, ix = x0 * 2 - 1 + kx
                if iy >= 0 && iy < 7 && ix >= 0 && ix < 7 { sum += conv[((o * 3 + c) * 3 + ky) * 3 + kx] * x[(c * 7 + iy) * 7 + ix] }
            } } }
            let normed = (sum - mean[o]) / (variance[o] + 1e-3).squareRoot() * gamma[o] + beta[o]
            a[(o * 4 + y) * 4 + x0] = normed * min(max(normed + 3, 0), 6) / 6
        } } }
        let dw = try w("dw.weight", [5, 1, 3, 3])
        var d = [Double](repeating: 0, count: 5 * 16)
        for c in 0..<5 { for y in 0..<4 { for x0 in 0..<4 {
            for ky in 0..<3 { for kx in 0..<3 {
                let iy = y - 1 + ky, ix = x0 - 1 + kx
                if iy >= 0 && iy < 4 && ix >= 0 && ix < 4 { d[(c * 4 + y) * 4 + x0] += dw[(c * 3 + ky) * 3 + kx] * a[(c * 4 + iy) * 4 + ix] }
            } }
        } } }
        // PyTorch's bins for 4 → 3: [0, 2), [1, 3), [2, 4).
        var pooled = [Double](repeating: 0, count: 45)
        for c in 0..<5 { for y in 0..<3 { for x0 in 0..<3 {
            var sum = 0.0
            for iy in y..<y + 2 { for ix in x0..<x0 + 2 { sum += d[(c * 4 + iy) * 4 + ix] } }
            pooled[(c * 3 + y) * 3 + x0] = sum / 4
        } } }
        let fc = try w("fc.weight", [4, 45]), fcBias = try w("fc.bias", [4])
        return (0..<4).map { o in (0..<45).reduce(fcBias[o]) { $0 + fc[o * 45 + $1] * pooled[$1] } }
    }

    @Test("odd shapes equal a direct evaluation, in slices when the batch exceeds the plan's")
    func oddShapes() throws {
        let count = 5
        let images = NameKeyedWeights.image(batch: count, size: 7).scalars(as: Float.self)
        let plan = try ForwardPlan(graph: Self.graph(), weights: Self.weights, batch: 2, outputs: ["fc", "pool"])
        let results = try plan.run(images: images, count: count)
        #expect(plan.outputShape(1) == [5, 3, 3])
        #expect(results[0].count == count * 4 && results[1].count == count * 45)
        for sample in 0..<count {
            let expected = try Self.reference(images[sample * 147..<(sample + 1) * 147]).map(Float.init)
            let error = maxAbsoluteDifference(Array(results[0][sample * 4..<(sample + 1) * 4]), expected)
            #expect(error <= 1e-5, "sample \(sample): max difference \(error)")
        }
    }

    @Test("a plan that keeps no weights computes the same outputs, reading every weight again on each pass")
    func withoutKeptWeights() throws {
        final class Reads { var count = 0 }
        let reads = Reads()
        let counted = ComputedWeights { name, shape in
            reads.count += 1
            return try Self.weights.values(of: name, shape: shape)
        }
        let count = 5
        let images = NameKeyedWeights.image(batch: count, size: 7).scalars(as: Float.self)
        let kept = try ForwardPlan(graph: Self.graph(), weights: Self.weights, batch: 2, outputs: ["fc", "pool"])
        let streamed = try ForwardPlan(graph: Self.graph(), weights: counted, batch: 2, outputs: ["fc", "pool"], keepingWeights: false)
        let perCompile = reads.count
        #expect(perCompile == 9)  // conv's weight and bias, batch-norm's four, the depthwise weight, fc's weight and bias
        #expect(try streamed.run(images: images, count: count) == kept.run(images: images, count: count))
        #expect(reads.count == perCompile * 4, "planned once, then compiled for each of the 3 passes")

        let encoder = Registry.model(named: "bert_tiny_uncased")!.graph
        let text = try ForwardPlan(graph: encoder, weights: EngineReference.weights(gain: 0.5), input: .tokens(length: 3), keepingWeights: false)
        #expect(throws: EngineError.tokenOutOfRange(node: "embeddings.word_embeddings", sample: 0, position: 1, id: 30_522, tableSize: 30_522)) {
            _ = try text.run(tokens: TokenBatch(ids: [[101, 30_522, 102]]))
        }
    }

    @Test("a checkpoint without the graph's first weight is refused, naming the tensor and the file")
    func missingWeight() throws {
        let path = Fixtures.path("safetensors", "all_dtypes.safetensors")
        #expect(throws: EngineError.missingWeight(name: "conv.weight", source: path)) {
            _ = try ForwardPlan(graph: Self.graph(), weights: CheckpointWeights(SafetensorsReader(path: path)))
        }
    }

    @Test("wrong inputs are refused before any kernel runs")
    func inputErrors() throws {
        let plan = try ForwardPlan(graph: Self.graph(), weights: Self.weights)
        #expect(throws: EngineError.self) { _ = try plan.run(images: [Float](repeating: 0, count: 146), count: 1) }
        #expect(throws: EngineError.self) { _ = try plan.run(tokens: TokenBatch(ids: [[1, 2]])) }
        #expect(throws: EngineError.self) { _ = try TokenBatch(ids: [[1, 2], [3]]) }

        let encoder = Registry.model(named: "bert_tiny_uncased")!.graph
        let weights = EngineReference.weights(gain: 0.5)
        let text = try ForwardPlan(graph: encoder, weights: weights, input: .tokens(length: 3))
        #expect(throws: EngineError.tokenOutOfRange(node: "embeddings.word_embeddings", sample: 0, position: 1, id: 30_522, tableSize: 30_522)) {
            _ = try text.run(tokens: TokenBatch(ids: [[101, 30_522, 102]]))
        }
        #expect(throws: EngineError.self) { _ = try ForwardPlan(graph: encoder, weights: weights, input: .tokens(length: 513)) }
    }
}
