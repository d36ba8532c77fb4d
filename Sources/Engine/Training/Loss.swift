import Foundation

/// What a training step minimises, as PyTorch's losses define it (mean reduction).
public enum Loss: Sendable, Equatable {
    /// `nn.CrossEntropyLoss(weight:label_smoothing:)`: with class weights w and smoothing ε,
    /// `(1 − ε)·Σᵢ −w[yᵢ]·log pᵢ[yᵢ] / Σᵢ w[yᵢ] + ε/C·Σᵢ Σ_c −w[c]·log pᵢ[c] / Σᵢ w[yᵢ]`
    /// (the smoothing term divided by the same weight sum, as PyTorch does).
    case crossEntropy(labelSmoothing: Double = 0, classWeights: [Float]? = nil)
    /// `nn.BCEWithLogitsLoss()`: one sigmoid per output (multi-label), averaged over every output.
    case binaryCrossEntropy
    /// `nn.MSELoss()`: averaged over every output (regression).
    case meanSquaredError
}

/// What the model should have output for each example of a batch.
public enum Targets: Sendable, Equatable {
    /// One class index per example (cross-entropy).
    case classes([Int])
    /// `outputs` numbers per example, row-major: 0/1 labels (binary cross-entropy) or
    /// regression targets (mean squared error).
    case values([Float])
    /// Mixup's targets: `weight × loss(first) + (1 − weight) × loss(second)`, as BiT and timm
    /// compute it for a batch mixed with weight λ (`second` is the partners' targets).
    indirect case mixed(Targets, Targets, weight: Double)
}

extension Loss {
    /// The loss of `batch` rows of `outputs` logits and its gradient, `scale` times the
    /// gradient of the mean, written (not added) into `gradient`. Sums in double precision.
    func evaluate(
        logits: UnsafePointer<Float>, batch: Int, outputs: Int, targets: Targets, scale: Double, gradient: UnsafeMutablePointer<Float>
    ) throws -> Double {
        if case .mixed(let first, let second, let weight) = targets {
            let count = batch * outputs
            var partner = [Float](repeating: 0, count: count)
            let partnerLoss = try partner.withUnsafeMutableBufferPointer {
                try evaluate(logits: logits, batch: batch, outputs: outputs, targets: second, scale: scale * (1 - weight), gradient: $0.baseAddress!)
            }
            let loss = try evaluate(logits: logits, batch: batch, outputs: outputs, targets: first, scale: scale * weight, gradient: gradient)
            for index in 0..<count { gradient[index] += partner[index] }
            return weight * loss + (1 - weight) * partnerLoss
        }
        switch (self, targets) {
        case (.crossEntropy(let smoothing, let weights), .classes(let classes)):
            guard classes.count == batch else { throw EngineError.wrongInput(expected: "\(batch) class indices", found: "\(classes.count)") }
            if let bad = classes.firstIndex(where: { !(0..<outputs).contains($0) }) {
                throw EngineError.wrongInput(expected: "class indices in 0..<\(outputs)", found: "\(classes[bad]) for example \(bad)")
            }
            if let weights, weights.count != outputs {
                throw EngineError.wrongInput(expected: "\(outputs) class weights", found: "\(weights.count)")
            }
            let w = { (c: Int) in Double(weights?[c] ?? 1) }
            let total = classes.reduce(0.0) { $0 + w($1) }
            var loss = 0.0
            for row in 0..<batch {
                let z = logits + row * outputs, g = gradient + row * outputs
                let largest = (0..<outputs).reduce(-Double.infinity) { max($0, Double(z[$1])) }
                let logSum = log((0..<outputs).reduce(0.0) { $0 + exp(Double(z[$1]) - largest) }) + largest
                let target = classes[row]
                // dL/dlog p[c] = −((1 − ε)·w[y]·[c = y] + ε/C·w[c]) / W; through log-softmax.
                var upstream = [Double](repeating: 0, count: outputs)
                for c in 0..<outputs {
                    let logP = Double(z[c]) - logSum
                    let coefficient = (c == target ? (1 - smoothing) * w(target) : 0) + smoothing / Double(outputs) * w(c)
                    loss -= coefficient * logP / total
                    upstream[c] = -coefficient / total
                }
                let upstreamSum = upstream.reduce(0, +)
                for c in 0..<outputs { g[c] = Float(scale * (upstream[c] - exp(Double(z[c]) - logSum) * upstreamSum)) }
            }
            return loss
        case (.binaryCrossEntropy, .values(let labels)), (.meanSquaredError, .values(let labels)):
            let count = batch * outputs
            guard labels.count == count else { throw EngineError.wrongInput(expected: "\(count) target values", found: "\(labels.count)") }
            var loss = 0.0
            for index in 0..<count {
                let z = Double(logits[index]), y = Double(labels[index])
                if self == .binaryCrossEntropy {
                    loss += max(z, 0) - z * y + log1p(exp(-abs(z)))
                    gradient[index] = Float(scale * (1 / (1 + exp(-z)) - y) / Double(count))
                } else {
                    loss += (z - y) * (z - y)
                    gradient[index] = Float(scale * 2 * (z - y) / Double(count))
                }
            }
            return loss / Double(count)
        default:
            throw EngineError.wrongInput(expected: "targets that \(self) takes", found: "\(targets)")
        }
    }
}
