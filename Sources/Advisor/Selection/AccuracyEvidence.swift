import Foundation
import Plans

/// Expected held-out top-1 accuracy where published evidence allows a range: single-label image
/// classification with 4.5–80 training examples per class. The range is the spread of fully
/// fine-tuned ResNet-50 across three datasets at that many examples per class (TLlib's curves on
/// CUB-200, FGVC-Aircraft and RESISC45), moved by the candidate's ImageNet gap to ResNet-50 times the
/// slope of fine-tuned on ImageNet accuracy in evidence Table A (0.15–1.07 across its 8 datasets),
/// and by the freeze decision (a linear probe is about 2 points below full fine-tuning in
/// distribution, LP-FT about 1 above; Kumar et al.). Outside that: no estimate, and the reason.
enum AccuracyEvidence {
    /// ResNet-50 fully fine-tuned: accuracy (%) against training examples per class. CUB's and
    /// Aircraft's fractions (15, 30, 50, 100%) are turned into examples per class with their
    /// training-set sizes (5,994 images of 200 classes; 6,667 of 100), which the evidence file does not state.
    static let curves: [(dataset: String, points: [(perClass: Double, accuracy: Double)])] = [
        ("CUB-200", [(4.5, 51.2), (9, 64.6), (15, 74.6), (30, 81.8)]),
        ("FGVC-Aircraft", [(10, 41.6), (20, 57.8), (33.3, 68.7), (66.7, 80.2)]),
        ("RESISC45", [(10, 74.0), (20, 81.9), (40, 86.5), (80, 90.1)]),
    ]

    /// Evidence Table A's rows for the registry's models: ImageNet top-1 of the torchvision V1
    /// checkpoint and fine-tuned top-1 (%) on Aircraft, Caltech, CIFAR10, CIFAR100, DTD, Pets, Cars, SUN397.
    static let tableA: [(imagenet: Double, fineTuned: [Double])] = [
        (76.13, [86.6, 91.8, 96.8, 84.5, 75.2, 92.5, 91.7, 64.7]),   // ResNet-50
        (77.374, [85.6, 93.1, 97.7, 87.0, 76.2, 94.0, 91.7, 64.8]),  // ResNet-101
        (78.312, [85.3, 93.2, 97.9, 87.6, 75.4, 94.5, 92.0, 66.0]),  // ResNet-152
        (71.878, [82.8, 89.1, 95.7, 80.8, 72.9, 90.5, 91.0, 60.5]),  // MobileNet v2
    ]

    /// ImageNet top-1 of the ResNet-50 behind the curves.
    static let curveModelImageNet = 76.13

    /// Fine-tuned points per ImageNet point: the least-squares slope over Table A's models, per dataset.
    static let slopes: [Double] = (0..<tableA[0].fineTuned.count).map { column in
        let x = tableA.map(\.imagenet), y = tableA.map { $0.fineTuned[column] }
        let meanX = x.reduce(0, +) / Double(x.count), meanY = y.reduce(0, +) / Double(y.count)
        let covariance = zip(x, y).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        return covariance / x.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
    }

    /// The estimate (0–1) for `profile` on a checkpoint with `prior`, trained as `freeze` says, or
    /// nil and why not.
    static func estimate(_ profile: TaskProfile, prior: TransferPrior?, freeze: FreezeDecision) -> (estimate: FineTunePlan.Estimate?, note: String) {
        guard profile.modality == .image, profile.kind == .singleLabel else {
            return (nil, "No accuracy estimate: the published curves are for single-label image classification; nothing read predicts \(profile.modality.rawValue) \(profile.kind.rawValue) accuracy from data size.")
        }
        guard let prior, prior.metric == "acc@1" else { return (nil, "No accuracy estimate: the checkpoint publishes no ImageNet top-1 to relate to ResNet-50's curves.") }
        let perClass = Double(profile.examples) / Double(profile.classes)
        let values = curves.compactMap { curve in interpolate(curve.points, at: perClass).map { (curve.dataset, $0) } }
        let covered = "\(format(curves.map { $0.points[0].perClass }.min()!))–\(format(curves.map { $0.points.last!.perClass }.max()!))"
        guard !values.isEmpty else {
            return (nil, "No accuracy estimate: the published curves cover \(covered) examples per class, and this task has \(format(perClass)).")
        }
        let gap = prior.value - curveModelImageNet
        let shifts = slopes.map { $0 * gap }
        let meanSlope = slopes.reduce(0, +) / Double(slopes.count)
        let adjustment = freeze.linearProbeFirst ? 1.0 : freeze.backboneFrozen ? -2.0 : 0
        let accuracies = values.map(\.1)
        func fraction(_ percent: Double) -> Double { min(max(percent, 0), 100) / 100 }
        let estimate = FineTunePlan.Estimate(
            expected: fraction(accuracies.reduce(0, +) / Double(accuracies.count) + meanSlope * gap + adjustment),
            low: fraction(accuracies.min()! + shifts.min()! + adjustment),
            high: fraction(accuracies.max()! + shifts.max()! + adjustment),
            basis: "ResNet-50 fully fine-tuned with \(format(perClass)) examples per class reached "
                + values.map { "\(String(format: "%.1f", $0.1))% on \($0.0)" }.joined(separator: ", ")
                + " (TLlib, interpolated in log examples); moved by \(String(format: "%+.1f", gap)) ImageNet points × "
                + String(format: "%.2f–%.2f", slopes.min()!, slopes.max()!) + " (Table A slopes)"
                + (adjustment == 0 ? "" : String(format: " and %+.0f for ", adjustment) + (adjustment > 0 ? "LP-FT" : "a linear probe") + " (Kumar et al.)")
                + ". The range is the spread across those datasets: yours may be easier or harder than any of them.")
        return (estimate, estimate.basis)
    }

    /// Linear interpolation in log(examples per class) within the curve's range; nil outside it.
    static func interpolate(_ points: [(perClass: Double, accuracy: Double)], at perClass: Double) -> Double? {
        guard let first = points.first, let last = points.last, perClass >= first.perClass, perClass <= last.perClass else { return nil }
        for (a, b) in zip(points, points.dropFirst()) where perClass <= b.perClass {
            let t = (log(perClass) - log(a.perClass)) / (log(b.perClass) - log(a.perClass))
            return a.accuracy + t * (b.accuracy - a.accuracy)
        }
        return last.accuracy
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
