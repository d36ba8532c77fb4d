import Architectures
import Foundation
import Testing
import TestSupport

@testable import Advisor

/// The cost model on a fixed, hand-made calibration (no timings): its rules, checked against
/// work counted by hand, and the calibration cache's behaviour.
@Suite struct CostModelTests {
    /// One unit of work per second for every kind, forward and backward: seconds equal work, so
    /// estimates can be checked against multiply-accumulates and elements counted by hand.
    static let unit = Throughput(convolution: 1, depthwiseConvolution: 1, linear: 1, attention: 1, memoryBound: 1)
    static let unitCalibration = Calibration(key: .init(cpu: "test processor", threads: 1), throughput: unit, backward: unit, probes: [], seconds: 0)
    static let unitCPU = DeviceClass.cpu(unitCalibration)

    /// conv 3→4 (3×3, 8×8) → batch-norm → ReLU → average pool → flatten → linear 4→2 (head).
    static let tiny: ModelGraph = {
        var builder = GraphBuilder()
        builder.add("conv", .conv2d(.init(3, 4, kernel: 3, padding: 1)))
        builder.add("bn", .batchNorm(channels: 4, epsilon: 1e-5))
        builder.add("relu", .activation(.relu))
        builder.add("pool", .adaptiveAvgPool(size: 1))
        builder.add("flatten", .flatten)
        builder.group = .head
        builder.add("fc", .linear(inFeatures: 4, outFeatures: 2, bias: true))
        return builder.graph(name: "tiny", input: .image(channels: 3, size: 8))
    }()

    @Test func workCountedByHand() {
        // Per sample: conv 8·8·4·3·9 = 6912 MACs; bn 256 and relu 256 elements; pool 4; fc 4·2 = 8 MACs.
        let trainAll = CostModel.estimate(Self.tiny, frozenGroups: 0, batch: 2, device: Self.unitCPU)
        #expect(trainAll.forwardSeconds == 2 * 7436)
        #expect(trainAll.prefixForwardSeconds == 0)
        // conv: weight gradient only (its input is the image); bn: weight + input gradient;
        // relu, pool: input gradient; fc: weight + input gradient.
        let backward: Double = 6912 + 2 * 256 + 256 + 4 + 2 * 8
        #expect(trainAll.backwardSeconds == 2 * backward)
        // AdamW: parameter, gradient read + parameter written, two states read and written.
        let parameters: Double = 4 * 3 * 9 + 2 * 4 + 4 * 2 + 2
        #expect(trainAll.optimizerSeconds == 3 * parameters + 2 * 2 * parameters)

        let headOnly = CostModel.estimate(Self.tiny, frozenGroups: 1, batch: 2, device: Self.unitCPU)
        #expect(headOnly.forwardSeconds == trainAll.forwardSeconds)
        #expect(headOnly.prefixForwardSeconds == 2 * (7436 - 8))
        #expect(headOnly.suffixForwardSeconds == 2 * 8)
        // The head reads the frozen prefix: its weight gradient is the whole backward pass.
        #expect(headOnly.backwardSeconds == 2 * 8)
    }

    @Test func backwardIsPricedAtTheBackwardThroughput() {
        // Backward convolutions at a quarter of the unit speed, backward element-wise work at half of
        // it, linear backward twice as fast; the forward pass is unchanged.
        var calibration = Self.unitCalibration
        calibration.backward = Throughput(convolution: 0.25, depthwiseConvolution: 1, linear: 2, attention: 1, memoryBound: 0.5)
        let estimate = CostModel.estimate(Self.tiny, frozenGroups: 0, batch: 2, device: .cpu(calibration))
        #expect(estimate.forwardSeconds == 2 * 7436)
        // conv 6912 weight-gradient MACs ÷ 0.25; bn 2 × 256, relu 256, pool 4 elements ÷ 0.5; fc 2 × 8 MACs ÷ 2.
        let backward: Double = 6912 / 0.25 + (2 * 256 + 256 + 4) / 0.5 + 2 * 8 / 2
        #expect(estimate.backwardSeconds == 2 * backward)
        // The optimizer is memory-bound forward-speed work (it is no backward pass).
        #expect(estimate.optimizerSeconds == CostModel.estimate(Self.tiny, frozenGroups: 0, batch: 2, device: Self.unitCPU).optimizerSeconds)
        // GPUs have no backward measurement: their backward work runs at their forward throughput.
        #expect(DeviceClass.gpu(.a100).backwardThroughput == DeviceClass.gpu(.a100).throughput)
    }

    @Test func backwardWorkSumsToFreezePlansBackwardMACs() throws {
        let graph = try #require(Registry.model(named: "mobilenet_v2")).graph
        for frozen in [0, 3, graph.freezeGroups.count - 1] {
            let plan = FreezePlan(graph, frozenGroups: frozen)
            let work = graph.backwardWork(plan)
            let macs = work.filter { $0.kind?.countsMultiplyAccumulates == true }.reduce(0) { $0 + $1.amount }
            #expect(macs == plan.backwardMACs)
            // Off the backward path, nothing.
            for (index, node) in work.enumerated() where !plan.backward[index].isOnPath { #expect(node.amount == 0) }
        }
    }

    /// Each backward probe compiles, trains, and counts steps that ran (a renamed training step
    /// would leave its probe counting nothing: an infinite throughput); one example per step.
    @Test func backwardProbesTimeTheirOwnSteps() throws {
        for probe in CalibrationProbe.standard {
            #expect(probe.backwardWork > 0, "\(probe.name)")
            let (seconds, passes) = try Calibration.timeBackward(probe, batch: 1, for: 0)
            #expect(seconds > 0 && seconds.isFinite && passes == 3, "\(probe.name): \(seconds) s")
        }
        // The dense probes compute input gradients too (the batch-norm in front of them is trained).
        let convolution = try #require(CalibrationProbe.standard.first { $0.kind == .convolution })
        let plan = FreezePlan(convolution.trainingGraph, frozen: [])
        #expect(plan.backward.last?.weightGradient == true && plan.backward.last?.inputGradient == true)
        #expect(convolution.backwardWork == 2 * convolution.work)
    }

    @Test(arguments: ["resnet50", "mobilenet_v2", "bert_base_uncased"])
    func freezingMoreNeverCostsMore(model: String) throws {
        let graph = try #require(Registry.model(named: model)).graph
        let estimates = (0...graph.freezeGroups.count).map {
            CostModel.estimate(graph, frozenGroups: $0, batch: 8, device: Self.unitCPU)
        }
        for (shallower, deeper) in zip(estimates, estimates.dropFirst()) {
            #expect(deeper.stepSeconds <= shallower.stepSeconds)
            #expect(deeper.cachedStepSeconds <= shallower.cachedStepSeconds)
            #expect(deeper.backwardSeconds <= shallower.backwardSeconds)
            #expect(deeper.peakBytes <= shallower.peakBytes)
            #expect(deeper.prefixForwardSeconds >= shallower.prefixForwardSeconds)
        }
        // Everything frozen: no backward pass, no update, the whole forward pass cacheable.
        let allFrozen = try #require(estimates.last)
        #expect(allFrozen.backwardSeconds == 0 && allFrozen.optimizerSeconds == 0)
        #expect(allFrozen.prefixForwardSeconds == allFrozen.forwardSeconds)
        // Training everything: backward ≈ 2× forward for a CNN (Epoch AI), about 2× for BERT.
        let ratio = estimates[0].backwardSeconds / estimates[0].forwardSeconds
        #expect(ratio > 1.6 && ratio <= 2.1, "backward:forward \(ratio)")
    }

    @Test func frozenPrefixBackwardIsZero() throws {
        // ResNet-50 with all but the head frozen: the backward pass is the classifier's weight
        // gradient, 2048 × 1000 per sample, and nothing of the 4.1 G MAC prefix.
        let graph = try #require(Registry.model(named: "resnet50")).graph
        let estimate = CostModel.estimate(graph, frozenGroups: graph.freezeGroups.count - 1, batch: 4, device: Self.unitCPU)
        #expect(estimate.backwardSeconds == 4 * 2048 * 1000)
        #expect(estimate.suffixForwardSeconds == 4 * 2048 * 1000)
    }

    @Test func cachingBeatsRecomputationAfterTheFirstEpoch() throws {
        let graph = try #require(Registry.model(named: "mobilenet_v2")).graph
        let estimate = CostModel.estimate(graph, frozenGroups: 3, batch: 32, device: Self.unitCPU)
        let once = estimate.trainingSeconds(steps: 32, examples: 1000, cachingFeatures: true)
        #expect(abs(once - estimate.trainingSeconds(steps: 32, examples: 1000, cachingFeatures: false)) <= 1e-9 * once)
        for epochs in [2, 5, 30] {
            let cached = estimate.trainingSeconds(steps: 32 * epochs, examples: 1000, cachingFeatures: true)
            let recomputed = estimate.trainingSeconds(steps: 32 * epochs, examples: 1000, cachingFeatures: false)
            #expect(cached < recomputed)
            // 32 steps (1000 / 32, rounded up): the prefix once, then suffix-only steps.
            let expected = 32 * estimate.prefixForwardSeconds + Double(epochs) * 32 * estimate.cachedStepSeconds
            #expect(abs(cached - expected) <= 1e-9 * expected)
        }
    }

    @Test func memoryIsFreezePlansWithActivationsPerDevice() throws {
        let graph = try #require(Registry.model(named: "bert_base_uncased")).graph
        let input = InputSpec.tokens(length: 128)
        for frozen in [0, 6, graph.freezeGroups.count] {
            let plan = FreezePlan(graph, frozenGroups: frozen, input: input)
            let cpu = CostModel.estimate(graph, frozenGroups: frozen, batch: 32, input: input, optimizer: .sgdMomentum, device: Self.unitCPU)
            #expect(cpu.memory == plan.trainingBytes(batch: 32, optimizer: .sgdMomentum))
            #expect(cpu.peakBytes == plan.weightBytes + plan.trainableParameters * 8 + plan.storedActivationsPerSample * 4 * 32)
            // Four GPUs: weights and optimizer state on each, a quarter of the activations.
            let gpus = CostModel.estimate(graph, frozenGroups: frozen, batch: 32, input: input, optimizer: .sgdMomentum, device: .gpu(.a100, count: 4))
            #expect(gpus.memory == plan.trainingBytes(batch: 8, optimizer: .sgdMomentum))
            #expect(gpus.deviceMemoryBytes == 80_000_000_000)
        }
    }

    @Test func gpuClassesScaleWithPublishedThroughput() throws {
        let a100 = GPUClass.a100.throughput(.fp32)
        // 19.5 TFLOP/s FP32 = 9.75 T MAC/s, at the assumed half of peak for dense work.
        #expect(a100.convolution == 19.5e12 / 2 * 0.5)
        #expect(a100.memoryBound == 2039e9 * 0.7 / 8)
        #expect(GPUClass.t4.throughput(.tf32) == GPUClass.t4.throughput(.fp32), "the T4 has no TF32: FP32 instead")
        #expect(GPUClass.named("a10g") == .a10)

        let graph = try #require(Registry.model(named: "resnet50")).graph
        func step(_ device: DeviceClass) -> Double { CostModel.estimate(graph, frozenGroups: 0, batch: 64, device: device).stepSeconds }
        #expect(step(.gpu(.h100, precision: .fp16)) < step(.gpu(.a100, precision: .fp16)))
        #expect(step(.gpu(.a100, precision: .fp16)) < step(.gpu(.a100, precision: .fp32)))
        #expect(step(.gpu(.a100)) < step(.gpu(.t4)))
        // Data-parallel: a step over 4 GPUs takes the forward and backward of one ÷ (4 × 0.9).
        let one = CostModel.estimate(graph, frozenGroups: 0, batch: 64, device: .gpu(.a100))
        let four = CostModel.estimate(graph, frozenGroups: 0, batch: 64, device: .gpu(.a100, count: 4))
        #expect(abs(four.forwardSeconds * 4 * 0.9 - one.forwardSeconds) <= 1e-12 * one.forwardSeconds)
        #expect(abs(four.backwardSeconds * 4 * 0.9 - one.backwardSeconds) <= 1e-12 * one.backwardSeconds)
        #expect(four.uncertaintyFactor > Self.unitCPU.uncertaintyFactor)
    }

    @Test func cacheRoundTripsAndIsReusedForItsKey() throws {
        let folder = try TemporaryFolder()
        var measured = 0
        let measure = { measured += 1; return Self.unitCalibration }
        let key = Self.unitCalibration.key
        let first = try CalibrationCache.current(folder: folder.path, key: key, measure: measure)
        #expect(!first.cached && measured == 1)
        #expect(CalibrationCache.load(folder: folder.path, key: key) == Self.unitCalibration)
        let second = try CalibrationCache.current(folder: folder.path, key: key, measure: measure)
        #expect(second.cached && second.calibration == Self.unitCalibration && measured == 1)
        _ = try CalibrationCache.current(folder: folder.path, key: key, force: true, measure: measure)
        #expect(measured == 2)
        #expect(try folder.contents() == [CalibrationCache.fileName], "no temporary file left behind")
    }

    @Test(arguments: [
        Calibration.Key(cpu: "another processor", threads: 1),
        Calibration.Key(cpu: "test processor", threads: 2),
        Calibration.Key(version: Calibration.version + 1, cpu: "test processor", threads: 1),
    ])
    func cacheForAnotherKeyIsMeasuredAgain(key: Calibration.Key) throws {
        let folder = try TemporaryFolder()
        try CalibrationCache.store(Self.unitCalibration, folder: folder.path)
        #expect(CalibrationCache.load(folder: folder.path, key: key) == nil)
        var fresh = Self.unitCalibration
        fresh.key = key
        let result = try CalibrationCache.current(folder: folder.path, key: key, measure: { fresh })
        #expect(!result.cached)
        #expect(CalibrationCache.load(folder: folder.path, key: key) == fresh, "the new calibration replaced the stale one")
    }

    @Test(arguments: ["", "{", "not json at all", #"{"key": {"version": 1}}"#])
    func corruptCacheIsMeasuredAgain(contents: String) throws {
        let folder = try TemporaryFolder()
        try contents.write(toFile: folder.file(CalibrationCache.fileName), atomically: false, encoding: .utf8)
        let key = Self.unitCalibration.key
        #expect(CalibrationCache.load(folder: folder.path, key: key) == nil)
        let result = try CalibrationCache.current(folder: folder.path, key: key, measure: { Self.unitCalibration })
        #expect(!result.cached && result.calibration == Self.unitCalibration)
        #expect(CalibrationCache.load(folder: folder.path, key: key) == Self.unitCalibration)
    }
}
