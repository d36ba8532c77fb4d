import Engine
import Tensors

/// Stochastic gradient descent with momentum, as torch.optim.SGD's `_single_tensor_sgd` computes
/// it in float32. For each parameter with gradient `g` and value `p`:
///
///     d = g + weight_decay·p                      (L2 decay, added to the gradient; skipped when 0)
///     b = d on the first step, else momentum·b + (1 − dampening)·d
///     d = d + momentum·b with Nesterov, else b    (both skipped when momentum is 0)
///     p = p − lr·d
///
/// with the multiply-adds fused as torch's CPU kernels fuse them. The parameter's gradient is left
/// as it was.
public final class SGD: Optimizer {
    /// What SGD keeps for one parameter between steps.
    public struct ParameterState: Sendable, Equatable {
        /// torch's `momentum_buffer`: nil until the parameter's first step, then `count` floats.
        public var momentumBuffer: [Float]?

        public init(momentumBuffer: [Float]?) { self.momentumBuffer = momentumBuffer }
    }

    public let groups: [ParameterGroup]
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    /// By parameter name, for checkpoints: read it to save, set it to resume (each buffer must have
    /// its parameter's count). A parameter without an entry starts as on its first step.
    public var state: [String: ParameterState] = [:]

    /// Nesterov momentum needs a positive momentum and no dampening, as torch requires.
    public init(groups: [ParameterGroup], momentum: Double, dampening: Double = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum requires a momentum and zero dampening")
        (self.groups, self.momentum, self.dampening, self.nesterov) = (groups, momentum, dampening, nesterov)
    }

    public func stateTensors() -> [(name: String, values: [Float])] {
        state.keys.sorted().compactMap { name in state[name]!.momentumBuffer.map { (name + "/momentum_buffer", $0) } }
    }

    public func restoreState(_ tensors: [String: [Float]]) throws {
        var restored: [String: ParameterState] = [:]
        for (name, values) in tensors {
            guard name.hasSuffix("/momentum_buffer") else { throw OptimizerStateError(name: name, reason: "SGD keeps only momentum_buffer") }
            let (parameter, count) = try parameter(of: name, slot: "momentum_buffer")
            guard values.count == count else { throw OptimizerStateError(name: name, reason: "\(values.count) values for \(count)") }
            restored[parameter] = ParameterState(momentumBuffer: values)
        }
        state = restored
    }

    public func step(learningRateFactor: Double) {
        for group in groups {
            let negativeRate = Float(-group.scheduledLearningRate(factor: learningRateFactor))
            for parameter in group.parameters {
                guard let gradient = parameter.gradient else { continue }
                update(parameter.values, gradient, count: parameter.count, name: parameter.name,
                       weightDecay: group.weightDecay, negativeRate: negativeRate)
            }
        }
    }

    private func update(_ values: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, count: Int, name: String,
                        weightDecay: Double, negativeRate: Float) {
        let decay = Float(weightDecay), momentum = Float(self.momentum), keep = Float(1 - dampening)
        let decays = weightDecay != 0, nesterov = self.nesterov
        func decayed(_ k: Int) -> Float { decays ? TorchArithmetic.fused(values[k], decay, gradient[k]) : gradient[k] }
        guard self.momentum != 0 else {
            parallelChunks(count: count, minimumChunk: 1 << 15) { range in
                for k in range { values[k] = TorchArithmetic.fused(decayed(k), negativeRate, values[k]) }
            }
            return
        }
        // Taken out of `state` while it is updated, so that the array is not copied.
        let first: Bool
        var buffer: [Float]
        if let stored = state.removeValue(forKey: name)?.momentumBuffer {
            (first, buffer) = (false, consume stored)
        } else {
            (first, buffer) = (true, [Float](repeating: 0, count: count))
        }
        precondition(buffer.count == count, "\(name): a momentum buffer of \(buffer.count) floats for \(count)")
        buffer.withUnsafeMutableBufferPointer { b in
            // Element-wise, so split between workers with results independent of the split.
            parallelChunks(count: count, minimumChunk: 1 << 15) { range in
                for k in range {
                    let d = decayed(k)
                    b[k] = first ? d : TorchArithmetic.fused(d, keep, b[k] * momentum)
                    let direction = nesterov ? TorchArithmetic.fused(b[k], momentum, d) : b[k]
                    values[k] = TorchArithmetic.fused(direction, negativeRate, values[k])
                }
            }
        }
        state[name] = ParameterState(momentumBuffer: buffer)
    }
}
