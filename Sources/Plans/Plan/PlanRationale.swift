import Architectures

extension FineTunePlan {
    /// One decision and why, with the evidence it rests on.
    public struct Reason: Codable, Equatable, Sendable {
        /// What was decided: model, freeze, optimizer, learning_rate, schedule, batch_size,
        /// regularisation, early_stopping, seeds, cache_features.
        public var decision: String
        public var text: String
        /// Citations from shared/ADVISOR-EVIDENCE.md, such as "Kumar et al., ICLR 2022 (LP-FT)".
        public var evidence: [String]

        public init(decision: String, text: String, evidence: [String]) {
            (self.decision, self.text, self.evidence) = (decision, text, evidence)
        }
    }

    /// A ranked runner-up and what choosing it would trade.
    public struct Alternative: Codable, Equatable, Sendable {
        /// 1 is the best runner-up.
        public var rank: Int
        public var model: String
        public var frozen: [FreezeGroup]
        public var tradeOff: String
        public var estimates: Estimates?

        public init(rank: Int, model: String, frozen: [FreezeGroup], tradeOff: String, estimates: Estimates?) {
            (self.rank, self.model, self.frozen, self.tradeOff, self.estimates) = (rank, model, frozen, tradeOff, estimates)
        }
    }

    /// What the plan should cost and give, each with its uncertainty.
    public struct Estimates: Codable, Equatable, Sendable {
        /// Wall-clock seconds for the whole plan (every seed) on the budget's device.
        public var trainingSeconds: Estimate
        /// Peak training memory in bytes.
        public var peakMemoryBytes: Estimate
        /// Top-1 accuracy (0–1) on held-out data, where published evidence allows a range.
        public var accuracy: Estimate?

        public init(trainingSeconds: Estimate, peakMemoryBytes: Estimate, accuracy: Estimate?) {
            (self.trainingSeconds, self.peakMemoryBytes, self.accuracy) = (trainingSeconds, peakMemoryBytes, accuracy)
        }
    }

    /// A value with the range it is believed to lie in and what that belief rests on.
    public struct Estimate: Codable, Equatable, Sendable {
        public var expected: Double
        public var low: Double
        public var high: Double
        public var basis: String

        public init(expected: Double, low: Double, high: Double, basis: String) {
            (self.expected, self.low, self.high, self.basis) = (expected, low, high, basis)
        }
    }
}
