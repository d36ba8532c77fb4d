import ArgumentParser
import Foundation
import ModelZoo

/// `zoo calibrate`: measures this machine's speed per operation kind, forward and backward, which
/// the advisor's cost model turns multiply-accumulates into seconds with, and caches it.
struct Calibrate: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure this machine's speed per operation kind for the advisor's cost model (cached).",
        discussion: """
            Runs real layer shapes of ResNet-50, MobileNetV2 and BERT-base (batch 8) through zoo's CPU engine \
            on random weights: dense and depthwise convolutions, linear layers and attention in \
            multiply-accumulates per second, element-wise work (batch-norm, activations, additions, pooling) \
            in elements per second; forward passes as inference runs them, and backward passes (weight and \
            input gradients) as training runs them, so that the advisor prices a training step's backward \
            pass from measurement. About 15 s on 2 cores. The result is cached in calibration.json under \
            $ZOO_CACHE_DIR (default $XDG_CACHE_HOME/zoo, else ~/.cache/zoo) and used again while the \
            processor, the thread count (ZOO_THREADS) and zoo's calibration version stay the same; \
            --force measures again anyway.

            \(ExitStatus.summary)
            """)

    @Flag(help: "Measure again even when a valid calibration is cached.")
    var force = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        let folder = CalibrationCache.defaultFolder
        let (calibration, cached) = try CalibrationCache.current(folder: folder, force: force)
        if json { return try printJSON(calibration) }
        print("\(cached ? "Cached" : "Measured") calibration (\(folder)/\(CalibrationCache.fileName)), version \(calibration.key.version)")
        printFields([["processor", calibration.key.cpu], ["threads", "\(calibration.key.threads)"], ["took", String(format: "%.1f s", calibration.seconds)]])
        print("")
        print(Table(
            header: ["kind", "forward", "backward", "unit"], rightAligned: [1, 2],
            rows: OperationKind.allCases.map { kind in
                [kind.rawValue, String(format: "%.2f G", calibration.throughput[kind] / 1e9), String(format: "%.2f G", calibration.backward[kind] / 1e9), kind.unit]
            }).rendered)
        print("")
        print(Table(
            header: ["probe", "kind", "work per pass", "ms per pass", "passes", "backward work", "backward ms", "passes"], rightAligned: [2, 3, 4, 5, 6, 7],
            rows: calibration.probes.map { probe in
                [
                    probe.name, probe.kind.rawValue, Format.count(probe.work), String(format: "%.2f", probe.seconds * 1000), "\(probe.passes)",
                    Format.count(probe.backwardWork), String(format: "%.2f", probe.backwardSeconds * 1000), "\(probe.backwardPasses)",
                ]
            }).rendered)
    }
}
