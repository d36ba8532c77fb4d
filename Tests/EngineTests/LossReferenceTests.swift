import Foundation
import TestSupport
import Testing

@testable import Engine

/// Every loss, with label smoothing, class weights and mixup, against PyTorch's value and its
/// autograd gradient with respect to the logits (formats/training/losses/losses.json).
@Suite struct LossReferenceTests {
    struct Reference: Decodable {
        let batch: Int
        let outputs: Int
        let logits: [Double]
        let cases: [Case]
    }

    struct Case: Decodable, CustomTestStringConvertible {
        struct Mixup: Decodable {
            let lambda: Double
            let partner: [Int]
        }
        let name: String
        let kind: String
        let loss: Double
        let gradient: [Double]
        let classes: [Int]?
        let values: [Float]?
        let label_smoothing: Double?
        let class_weights: [Float]?
        let mixup: Mixup?
        var testDescription: String { name }
    }

    static let reference = try! JSONDecoder().decode(
        Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("training", "losses/losses.json"))))

    @Test func fixtureHoldsEveryLossAndBothMixups() {
        #expect(Set(Self.reference.cases.map(\.kind)) == ["cross_entropy", "bce", "mse"])
        #expect(Self.reference.cases.filter { $0.mixup != nil }.count == 2)
    }

    @Test(arguments: reference.cases)
    func matchesPyTorch(_ reference: Case) throws {
        let (batch, outputs) = (Self.reference.batch, Self.reference.outputs)
        let loss: Loss =
            switch reference.kind {
            case "cross_entropy": .crossEntropy(labelSmoothing: reference.label_smoothing ?? 0, classWeights: reference.class_weights)
            case "bce": .binaryCrossEntropy
            default: .meanSquaredError
            }
        let targets: Targets = reference.classes.map { .classes($0) } ?? .values(reference.values!)
        func partnered(_ targets: Targets, _ partner: [Int]) -> Targets {
            switch targets {
            case .classes(let classes): .classes(partner.map { classes[$0] })
            case .values(let values): .values(partner.flatMap { values[$0 * outputs..<($0 + 1) * outputs] })
            case .mixed: targets
            }
        }
        let mixed = reference.mixup.map { Targets.mixed(targets, partnered(targets, $0.partner), weight: $0.lambda) } ?? targets
        let logits = Self.reference.logits.map(Float.init)
        var gradient = [Float](repeating: .nan, count: batch * outputs)
        let value = try gradient.withUnsafeMutableBufferPointer { buffer in
            try logits.withUnsafeBufferPointer {
                try loss.evaluate(logits: $0.baseAddress!, batch: batch, outputs: outputs, targets: mixed, scale: 1, gradient: buffer.baseAddress!)
            }
        }
        #expect(abs(value - reference.loss) <= 1e-6 * max(1, abs(reference.loss)), "loss \(value) vs PyTorch \(reference.loss)")
        let worst = zip(gradient, reference.gradient).map { abs(Double($0) - $1) }.max()!
        #expect(worst <= 1e-6, "largest gradient difference \(worst)")
    }
}
