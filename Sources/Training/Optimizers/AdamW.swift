import Engine
import Foundation
import Tensors

/// Adam with decoupled weight decay, as torch.optim.AdamW's single-tensor path
/// (`_single_tensor_adam` with `decoupled_weight_decay=True`, no AMSGrad) computes it. At step `t`
/// (counted per parameter from 1), with the group's scheduled learning rate `lr`, gradient `g` and
/// value `p`:
///
///     p = p·(1 − lr·weight_decay)                           (skipped when the decay is 0)
///     m = lerp(m, g, 1 − β₁)                                (torch's exp_avg)
///     v = β₂·v + (1 − β₂)·g·g                               (torch's exp_avg_sq)
///     step_size = lr / (1 − β₁ᵗ)                            (in Double)
///     denom = √v / (1 − β₂ᵗ)^0.5 + ε                        (ε after the bias correction)
///     p = p − step_size·m / denom
///
/// in float32 with torch's fused multiply-adds; the Double scalars (`1 − lr·wd`, `1 − β`, the
/// bias corrections, `−step_size`, ε) are rounded to Float once, where torch's kernels cast them.
public final class AdamW: Optimizer {
    /// What AdamW keeps for one parameter between steps.
    public struct ParameterState: Sendable, Equatable {
        /// Steps taken (torch's `step`).
        public var step: Int
        /// The first moment (torch's `exp_avg`), `count` floats.
        public var firstMoment: [Float]
        /// The second moment (torch's `exp_avg_sq`), `count` floats.
        public var secondMoment: [Float]

        public init(step: Int, firstMoment: [Float], secondMoment: [Float]) {
            (self.step, self.firstMoment, self.secondMoment) = (step, firstMoment, secondMoment)
        }
    }

    public let groups: [ParameterGroup]
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    /// By parameter name, for checkpoints: read it to save, set it to resume (both moments must
    /// have the parameter's count). A parameter without an entry starts at step 0 with zero moments,
    /// as torch initialises its state on the first step.
    public var state: [String: ParameterState] = [:]

    public init(groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        (self.groups, self.beta1, self.beta2, self.epsilon) = (groups, beta1, beta2, epsilon)
    }

    public func stateTensors() -> [(name: String, values: [Float])] {
        state.keys.sorted().flatMap { name -> [(name: String, values: [Float])] in
            let entry = state[name]!
            return [(name + "/step", [Float(entry.step)]), (name + "/exp_avg", entry.firstMoment), (name + "/exp_avg_sq", entry.secondMoment)]
        }
    }

    public func restoreState(_ tensors: [String: [Float]]) throws {
        var restored: [String: ParameterState] = [:]
        for (name, values) in tensors where name.hasSuffix("/step") {
            let (parameter, count) = try parameter(of: name, slot: "step")
            guard values.count == 1, let first = tensors[parameter + "/exp_avg"], let second = tensors[parameter + "/exp_avg_sq"],
                  first.count == count, second.count == count else {
                throw OptimizerStateError(name: parameter, reason: "needs step, exp_avg and exp_avg_sq of \(count) values")
            }
            restored[parameter] = ParameterState(step: Int(values[0]), firstMoment: first, secondMoment: second)
        }
        guard restored.count * 3 == tensors.count else { throw OptimizerStateError(name: "AdamW", reason: "slots other than step, exp_avg and exp_avg_sq") }
        state = restored
    }

    public func step(learningRateFactor: Double) {
        for group in groups {
            let rate = group.scheduledLearningRate(factor: learningRateFactor)
            for parameter in group.parameters {
                guard let gradient = parameter.gradient else { continue }
                update(parameter.values, gradient, count: parameter.count, name: parameter.name, rate: rate, weightDecay: group.weightDecay)
            }
        }
    }

    private func update(_ values: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, count: Int, name: String,
                        rate: Double, weightDecay: Double) {
        // Taken out of `state` while it is updated, so that the arrays are not copied.
        var entry = state.removeValue(forKey: name)
            ?? ParameterState(step: 0, firstMoment: [Float](repeating: 0, count: count), secondMoment: [Float](repeating: 0, count: count))
        precondition(entry.firstMoment.count == count && entry.secondMoment.count == count,
                     "\(name): moments of \(entry.firstMoment.count) and \(entry.secondMoment.count) floats for \(count)")
        entry.step += 1
        let step = Double(entry.step)
        let correction1 = 1 - pow(beta1, step), correction2 = 1 - pow(beta2, step)
        let negativeStepSize = Float(-(rate / correction1)), correction2Root = Float(pow(correction2, 0.5))
        let decays = weightDecay != 0, decayFactor = Float(1 - rate * weightDecay)
        let weight1 = Float(1 - beta1), beta2 = Float(self.beta2), weight2 = Float(1 - self.beta2), epsilon = Float(self.epsilon)
        entry.firstMoment.withUnsafeMutableBufferPointer { m in
            entry.secondMoment.withUnsafeMutableBufferPointer { v in
                // Element-wise, so split between workers with results independent of the split.
                parallelChunks(count: count, minimumChunk: 1 << 15) { range in
                    for k in range {
                        let g = gradient[k]
                        if decays { values[k] *= decayFactor }
                        m[k] = TorchArithmetic.lerp(m[k], g, weight: weight1)
                        v[k] = TorchArithmetic.fused(weight2 * g, g, v[k] * beta2)
                        let denominator = v[k].squareRoot() / correction2Root + epsilon
                        values[k] += negativeStepSize * m[k] / denominator
                    }
                }
            }
        }
        state[name] = entry
    }
}
