import Architectures
import Engine
import Foundation
import Plans

/// The memory zoo's trainer will hold for a job, read from the compiled main-phase training plan
/// rather than estimated: every weight, the trained ones' gradients and optimizer state, the
/// activation and gradient buffers of the trained suffix and the frozen prefix, early stopping's
/// copy of the best weights, and the batches made ahead. Cached features are memory-mapped and
/// not counted. Checked against the plan's budget and this machine's available memory before
/// the first step.
public struct MemoryNeed: Sendable, Equatable {
    public let weightBytes: Int
    public let gradientBytes: Int
    public let optimizerBytes: Int
    public let activationBytes: Int
    public let snapshotBytes: Int
    public let batchBytes: Int

    public var totalBytes: Int { weightBytes + gradientBytes + optimizerBytes + activationBytes + snapshotBytes + batchBytes }

    /// Batches alive at once: the one training and `BatchPrefetcher`'s two made ahead.
    static let batchesInFlight = 3

    /// Compiles `job`'s main phase (the store, the training plan) and reads what it holds.
    public init(job: FineTuneJob) throws {
        let plan = job.plan
        let store = try job.freshStore(seed: plan.seeds[0])
        let training = try job.trainingPlan(parameters: store, frozen: plan.freeze.frozen, seed: plan.seeds[0])
        let trainable = store.trainable.reduce(0) { $0 + $1.count }
        weightBytes = store.tensors.reduce(0) { $0 + $1.count } * 4 + store.batchesTracked.count * 8  // num_batches_tracked: int64
        gradientBytes = trainable * 4
        optimizerBytes = trainable * 4 * plan.optimizer.kind.statesPerParameter
        activationBytes = training.activationBytes + (training.prefix?.activationBytes ?? 0)
        snapshotBytes = plan.earlyStopping == nil ? 0 : store.changing.reduce(0) { $0 + $1.count } * 4
        let inputFloats: Int
        switch job.input {
        case .image(let channels, let size): inputFloats = channels * size * size
        case .tokens(let length): inputFloats = 3 * length
        }
        batchBytes = Self.batchesInFlight * plan.batchSize * inputFloats * 4
    }

    /// `1.2 GiB (weights 14 MiB, gradients …)`.
    public var description: String {
        let parts = [("weights", weightBytes), ("gradients", gradientBytes), ("optimizer state", optimizerBytes), ("activations", activationBytes),
                     ("best weights", snapshotBytes), ("batches", batchBytes)].filter { $0.1 > 0 }
        return Quantities.text(bytes: totalBytes) + " (" + parts.map { "\($0.0) \(Quantities.text(bytes: $0.1))" }.joined(separator: ", ") + ")"
    }

    /// Refuses a need above `budget` (the plan's memory budget) or above `available` (this machine's).
    public func check(budget: Int?, available: Int?) throws(TrainingError) {
        if let budget, totalBytes > budget {
            throw .overBudget("the compiled training plan needs \(description), more than the plan's memory budget of \(Quantities.text(bytes: budget))")
        }
        if let available, totalBytes > available {
            throw .overBudget("the compiled training plan needs \(description), more than the \(Quantities.text(bytes: available)) this machine has available")
        }
    }

    /// `MemAvailable` of /proc/meminfo, when it can be read.
    public static var available: Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kib * 1024
    }
}
