import Architectures
import Engine
import Foundation
import Tensors

/// This machine's speed per operation kind, measured by running real layer shapes through the
/// CPU engine (`CalibrationProbe.standard`), at the engine's thread count: forward passes through
/// an inference `ForwardPlan`, backward passes through a `TrainingPlan`. What the cost model
/// turns multiply-accumulates into seconds with; cached by `CalibrationCache`.
public struct Calibration: Sendable, Codable, Equatable {
    /// Bumped whenever the probes, the way they are timed or the format change: older caches are
    /// re-measured. 3: backward probes and `backward`.
    public static let version = 3

    /// What a calibration is valid for: the same probes, processor and thread count.
    public struct Key: Sendable, Codable, Equatable {
        public var version: Int
        public var cpu: String
        public var threads: Int

        public init(version: Int = Calibration.version, cpu: String, threads: Int) {
            self.version = version
            self.cpu = cpu
            self.threads = threads
        }

        /// This machine now: the processor's model name (/proc/cpuinfo) and the engine's threads.
        public static var current: Key { Key(cpu: processorName(), threads: workerThreadCount) }
    }

    /// One timed probe: its layer, kind, work per pass and measured seconds per pass, forward
    /// and backward (`ModelGraph.backwardWork` of the probe's training graph, nothing frozen).
    public struct Probe: Sendable, Codable, Equatable {
        public var name: String
        public var kind: OperationKind
        public var work: Int
        public var seconds: Double
        public var passes: Int
        public var backwardWork: Int
        public var backwardSeconds: Double
        public var backwardPasses: Int

        public init(
            name: String, kind: OperationKind, work: Int, seconds: Double, passes: Int, backwardWork: Int, backwardSeconds: Double, backwardPasses: Int
        ) {
            self.name = name
            self.kind = kind
            self.work = work
            self.seconds = seconds
            self.passes = passes
            self.backwardWork = backwardWork
            self.backwardSeconds = backwardSeconds
            self.backwardPasses = backwardPasses
        }

        enum CodingKeys: String, CodingKey {
            case name, kind, work, seconds, passes, backwardWork = "backward_work", backwardSeconds = "backward_seconds", backwardPasses = "backward_passes"
        }
    }

    public var key: Key
    /// Forward passes (inference kernels), per unit of `ModelGraph.work`.
    public var throughput: Throughput
    /// Backward passes (training kernels' weight and input gradients), per unit of
    /// `ModelGraph.backwardWork`: what `CostModel` prices backward work at.
    public var backward: Throughput
    public var probes: [Probe]
    /// Wall-clock seconds the whole calibration took.
    public var seconds: Double

    public init(key: Key, throughput: Throughput, backward: Throughput, probes: [Probe], seconds: Double) {
        self.key = key
        self.throughput = throughput
        self.backward = backward
        self.probes = probes
        self.seconds = seconds
    }

    /// Runs every probe in three rounds, each on a freshly compiled plan: one untimed pass, then
    /// passes (at least 3) for a third of `secondsPerProbe`, profiling the engine's kernels; then
    /// the same for the probe's backward pass, training steps of a `TrainingPlan` (nothing frozen,
    /// mean squared error against zeros) whose backward steps of the probe's kind are profiled
    /// (`CalibrationProbe.countsBackward`). A probe's seconds are its fastest pass's: other work on
    /// a shared machine (and a slow spell of the machine itself, which lasts seconds) only ever
    /// slows a pass, and spreading each probe over the rounds keeps one spell from taking all of a
    /// probe's passes; medians of one plan's passes were seen to halve the convolution figure. A
    /// kind's throughput is its probes' total work over their total seconds, forward and backward
    /// apart. About 15 s on 2 cores.
    public static func measure(secondsPerProbe: Double = 0.5, rounds: Int = 3) throws -> Calibration {
        let started = Date()
        let standard = CalibrationProbe.standard
        let unmeasured = [Double](repeating: .infinity, count: standard.count), none = [Int](repeating: 0, count: standard.count)
        var (fastest, passes, fastestBackward, backwardPasses) = (unmeasured, none, unmeasured, none)
        for _ in 0..<rounds {
            for (index, probe) in standard.enumerated() {
                let (seconds, count) = try time(probe, for: secondsPerProbe / Double(rounds))
                fastest[index] = min(fastest[index], seconds)
                passes[index] += count
                let (backwardSeconds, backwardCount) = try timeBackward(probe, for: secondsPerProbe / Double(rounds))
                fastestBackward[index] = min(fastestBackward[index], backwardSeconds)
                backwardPasses[index] += backwardCount
            }
        }
        let probes = standard.indices.map {
            Probe(
                name: standard[$0].name, kind: standard[$0].kind, work: standard[$0].work, seconds: fastest[$0], passes: passes[$0],
                backwardWork: standard[$0].backwardWork, backwardSeconds: fastestBackward[$0], backwardPasses: backwardPasses[$0])
        }
        func rates(_ work: (Probe) -> Int, _ seconds: (Probe) -> Double) -> Throughput {
            func rate(_ kind: OperationKind) -> Double {
                let mine = probes.filter { $0.kind == kind }
                return mine.reduce(0) { $0 + Double(work($1)) } / mine.reduce(0) { $0 + seconds($1) }
            }
            return Throughput(
                convolution: rate(.convolution), depthwiseConvolution: rate(.depthwiseConvolution), linear: rate(.linear),
                attention: rate(.attention), memoryBound: rate(.memoryBound))
        }
        return Calibration(
            key: .current, throughput: rates(\.work, \.seconds), backward: rates(\.backwardWork, \.backwardSeconds), probes: probes,
            seconds: Date().timeIntervalSince(started))
    }

    /// The fastest of a fresh plan's passes over `budget` seconds (at least 3), and how many ran.
    private static func time(_ probe: CalibrationProbe, for budget: Double) throws -> (seconds: Double, passes: Int) {
        let plan = try ForwardPlan(graph: probe.graph, weights: ComputedWeights.forTiming(), batch: probe.batch)
        let pass: () throws -> Void
        switch probe.graph.input {
        case .image(let channels, let size):
            let images = (0..<probe.batch * channels * size * size).map { Float($0 % 255) / 255 - 0.5 }
            pass = { _ = try plan.run(images: images, count: probe.batch) }
        case .tokens(let length):
            let ids = try TokenBatch(ids: (0..<probe.batch).map { row in (0..<length).map { ($0 * 31 + row * 17) % 1000 } })
            pass = { _ = try plan.run(tokens: ids) }
        }
        try pass()
        plan.profiling = true
        func counted() -> Double { plan.profile.filter { probe.counts(kernel: $0.key) }.reduce(0) { $0 + $1.value } }
        let start = Date()
        var fastest = Double.infinity, passes = 0
        while passes < 3 || Date().timeIntervalSince(start) < budget {
            let before = counted()
            try pass()
            fastest = min(fastest, counted() - before)
            passes += 1
        }
        return (fastest, passes)
    }

    /// The fastest backward pass (the probe's kind only) of a fresh training plan's steps over
    /// `budget` seconds (at least 3), and how many ran; `batch` for tests (the probe's otherwise).
    static func timeBackward(_ probe: CalibrationProbe, batch: Int? = nil, for budget: Double) throws -> (seconds: Double, passes: Int) {
        let graph = probe.trainingGraph, batch = batch ?? probe.batch
        let store = try ParameterStore(graph: graph, source: ComputedWeights.forTiming())
        let plan = try TrainingPlan(graph: graph, parameters: store, frozen: [], batch: batch, loss: .meanSquaredError)
        let outputs = graph.shapes()[graph.nodes.count - 1].reduce(1, *)
        let targets = Targets.values([Float](repeating: 0, count: batch * outputs))
        let step: () throws -> Void
        switch graph.input {
        case .image(let channels, let size):
            let images = (0..<batch * channels * size * size).map { Float($0 % 255) / 255 - 0.5 }
            step = { _ = try plan.step(images: images, count: batch, targets: targets) }
        case .tokens(let length):
            let ids = try TokenBatch(ids: (0..<batch).map { row in (0..<length).map { ($0 * 31 + row * 17) % 1000 } })
            step = { _ = try plan.step(tokens: ids, targets: targets) }
        }
        try step()
        store.zeroGradients()
        plan.profiling = true
        func counted() -> Double { plan.profile.filter { probe.countsBackward(step: $0.key) }.reduce(0) { $0 + $1.value } }
        let start = Date()
        var fastest = Double.infinity, passes = 0
        while passes < 3 || Date().timeIntervalSince(start) < budget {
            let before = counted()
            try step()
            fastest = min(fastest, counted() - before)
            // Gradients would otherwise grow step after step (the plan adds into them).
            store.zeroGradients()
            passes += 1
        }
        return (fastest, passes)
    }

    static func processorName() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        var system = utsname()
        uname(&system)
        return withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
