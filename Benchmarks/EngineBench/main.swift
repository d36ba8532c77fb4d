import Advisor
import ArgumentParser
import Architectures
import Engine
import Foundation
import Tensors

/// The zoo side of the engine benchmark (driven by Benchmarks/engine_bench.py, which runs PyTorch
/// side by side): compiles a registry model with random weights, runs warm-up passes, then times
/// each pass and prints one JSON object.
@main
struct EngineBench: ParsableCommand {
    @Option(help: "A registry model name.") var model: String
    @Option(help: "Samples per forward pass.") var batch: Int
    @Option(help: "Sequence length (text models).") var tokens: Int?
    @Option(help: "Untimed passes first.") var warmup = 2
    @Option(help: "Timed passes.") var iterations = 5
    @Flag(help: "Add the seconds per kernel kind over the timed passes (\"profile\").") var profile = false
    @Option(help: "Worker threads (the engine reads ZOO_THREADS; this must agree with it).") var threads: Int?
    @Flag(help: "Add the cost model's forward seconds per pass (\"predicted_seconds\") from the cached calibration (run `zoo calibrate` first).")
    var predict = false

    func run() throws {
        guard let registered = Registry.model(named: model) else { throw ValidationError("unknown model \(model)") }
        if let threads, threads != workerThreadCount {
            throw ValidationError("--threads \(threads) but the engine runs \(workerThreadCount) (set ZOO_THREADS=\(threads))")
        }
        let graph = registered.graph
        let input: InputSpec = tokens.map { .tokens(length: $0) } ?? graph.input
        let weights = ComputedWeights.forTiming()
        let planStart = Date()
        let plan = try ForwardPlan(graph: graph, weights: weights, input: input, batch: batch)
        let planSeconds = Date().timeIntervalSince(planStart)
        let pass: () throws -> Void
        switch input {
        case .image(let channels, let size):
            let images = (0..<batch * channels * size * size).map { Float($0 % 255) / 255 - 0.5 }
            pass = { _ = try plan.run(images: images, count: batch) }
        case .tokens(let length):
            let ids = (0..<batch).map { row in (0..<length).map { 1000 + ($0 * 7919 + row * 104_729) % 20_000 } }
            let batchOfTokens = try TokenBatch(ids: ids)
            pass = { _ = try plan.run(tokens: batchOfTokens) }
        }
        for _ in 0..<warmup { try pass() }
        plan.profiling = profile
        var seconds: [Double] = []
        for _ in 0..<iterations {
            let start = Date()
            try pass()
            seconds.append(Date().timeIntervalSince(start))
        }
        var result: [String: Any] = [
            "model": model, "batch": batch, "tokens": tokens as Any? ?? NSNull(), "threads": workerThreadCount,
            "seconds": seconds, "plan_seconds": planSeconds,
        ]
        if profile { result["profile"] = plan.profile }
        if predict {
            guard let calibration = CalibrationCache.load() else {
                throw ValidationError("no calibration for this machine in \(CalibrationCache.defaultFolder): run `zoo calibrate` first")
            }
            let estimate = CostModel.estimate(graph, frozenGroups: 0, batch: batch, input: input, device: .cpu(calibration))
            result["predicted_seconds"] = estimate.forwardSeconds
            result["uncertainty_factor"] = estimate.uncertaintyFactor
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }
}
