/// ULMFiT's slanted triangular learning rate (Howard & Ruder, ACL 2018, eq. 3) with the warm-up
/// steps as its `cut` and `ratio` 32: a linear rise over `cut` steps, then a linear fall over the
/// rest of the `T` steps, from `1/ratio` of the peak to the peak and back:
///
///     p = t / cut                                  for t < cut
///     p = max(0, 1 − (t − cut) / max(1, T − cut))  otherwise
///     factor = (1 + p·(ratio − 1)) / ratio
///
/// The paper's `cut = ⌊T·cut_frac⌋` and `cut·(1/cut_frac − 1) = T − cut` are written here with the
/// cut given, so the rise starts at 1/32 of the peak rather than at 0 and the fall ends there.
public struct SlantedTriangularSchedule: LearningRateSchedule, Equatable {
    public static let ratio = 32.0
    public let cut: Int
    public let steps: Int

    public init(warmupSteps: Int, steps: Int) { (cut, self.steps) = (warmupSteps, steps) }

    public func factor(at step: Int) -> Double {
        let p = step < cut ? Double(step) / Double(cut) : max(0, 1 - Double(step - cut) / Double(max(1, steps - cut)))
        return (1 + p * (Self.ratio - 1)) / Self.ratio
    }
}
