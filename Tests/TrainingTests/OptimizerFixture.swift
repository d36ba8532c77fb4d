import Architectures
import CheckpointFormats
import Engine
import Foundation
import Tensors
import Testing
import TestSupport
import Training

/// One case of formats/training/optimizers/cases.json: an optimizer, its groups' settings, a
/// schedule, clipping and micro-batches, run for 100 steps by torch.optim (generate.py).
struct OptimizerCase: Decodable, Sendable, CustomStringConvertible {
    struct Settings: Decodable, Sendable {
        let kind: String
        let headLearningRate: Double
        let backboneLearningRate: Double
        let layerDecay: Double?
        let weightDecay: Double
        let momentum: Double?
        let dampening: Double?
        let nesterov: Bool?
        let betas: [Double]?
        let eps: Double?
    }

    struct Schedule: Decodable, Sendable {
        let kind: String
        let warmupSteps: Int
        let steps: Int
        let milestones: [Int]
    }

    /// One of torch's `param_groups`.
    struct Group: Decodable, Sendable, Equatable {
        let name: String
        let params: [String]
        let lr: Double
        let weightDecay: Double
    }

    let name: String
    let optimizer: Settings
    let schedule: Schedule
    let clip: Double?
    let frozen: [String]
    let examples: Int
    let microBatchSize: Int
    let microBatchSizes: [Int]
    let trainable: [String]
    let groups: [Group]
    let snapshots: [Int]

    var description: String { name }
}

/// The fixture: the cases, torch's arrays (expected.npz) and the small graph whose tensors they
/// train, built here as generate.py lists them.
enum OptimizerFixture {
    struct Manifest: Decodable {
        struct TensorEntry: Decodable { let name: String, shape: [Int], group: String, buffer: Bool }
        let steps: Int
        let tolerance: Double
        let tensors: [TensorEntry]
        let cases: [OptimizerCase]
    }

    static let folder = "training/optimizers"

    static let manifest: Manifest = {
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path(folder, "cases.json"))))
        } catch {
            fatalError("\(Fixtures.path(folder, "cases.json")): \(error)")
        }
    }()

    static var cases: [OptimizerCase] { manifest.cases }

    static func arrays() throws -> NpzReader { try NpzReader(path: Fixtures.path(folder, "expected.npz")) }

    /// stem: 4-D convolution and a batch-norm; stage 1: convolution with a bias; stage 2: linear;
    /// head: linear.
    static let graph: ModelGraph = {
        var builder = GraphBuilder()
        builder.add("stem.conv", .conv2d(.init(3, 6, kernel: 3, padding: 1)))
        builder.add("stem.bn", .batchNorm(channels: 6, epsilon: 1e-5))
        builder.add("stem.relu", .activation(.relu))
        builder.group = .stage(1)
        builder.add("stage1.conv", .conv2d(.init(6, 8, kernel: 3, padding: 1, bias: true)))
        builder.add("stage1.relu", .activation(.relu))
        builder.group = .stage(2)
        builder.add("stage2.pool", .adaptiveAvgPool(size: 1))
        builder.add("stage2.flatten", .flatten)
        builder.add("stage2.fc", .linear(inFeatures: 8, outFeatures: 12, bias: true))
        builder.group = .head
        builder.add("head.fc", .linear(inFeatures: 12, outFeatures: 5, bias: true))
        return builder.graph(name: "optimizer-fixture", input: .image(channels: 3, size: 8))
    }()

    /// A parameter store at the fixture's initial values, the case's groups frozen.
    static func store(_ c: OptimizerCase, arrays: NpzReader) throws -> ParameterStore {
        let frozen = graph.freezeGroups.filter { c.frozen.contains($0.description) }
        #expect(frozen.count == c.frozen.count, "\(c): frozen groups \(c.frozen), the graph has \(graph.freezeGroups)")
        let initial = ComputedWeights { name, _ in try arrays.tensor(named: "initial/" + name).scalars(as: Float.self) }
        return try ParameterStore(graph: graph, source: initial, frozen: Set(frozen))
    }

    /// The mean-loss gradient of micro-batch `micro` at step `step` for the tensor `name`
    /// (generate.py's docstring: SplitMix64 seeded by FNV-1a of "gradient/<step>/<micro>/<name>").
    static func gradient(step: Int, micro: Int, name: String, count: Int) -> [Float] {
        var rng = SplitMix64(seed: NameKeyedWeights.seed("gradient/\(step)/\(micro)/\(name)"))
        let scale = Float(1 << (step % 4)) / 4
        return (0..<count).map { _ in (2 * NameKeyedWeights.uniform(&rng) - 1) * scale }
    }
}

/// ‖a − b‖₂ / ‖b‖₂, in Double: the fixture's tolerance is on this, per tensor.
func relativeError(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    precondition(a.count == b.count, "\(a.count) values against \(b.count)")
    var difference = 0.0, norm = 0.0
    for (x, y) in zip(a, b) {
        difference += (Double(x) - Double(y)) * (Double(x) - Double(y))
        norm += Double(y) * Double(y)
    }
    return (difference / norm).squareRoot()
}
