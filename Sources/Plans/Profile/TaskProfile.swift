/// What the user wants to fine-tune for: the input modality, the kind of task, how much labelled
/// data there is, how far it is from the pre-training data, and what the deployed model must meet.
/// Built and validated by `TaskDraft.resolve()`; recorded in every `FineTunePlan`.
public struct TaskProfile: Codable, Equatable, Sendable {
    public enum Modality: String, Codable, Sendable, CaseIterable { case image, text }

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case singleLabel = "single-label"
        case multiLabel = "multi-label"
        case regression
        /// Two texts in, one label or score out (entailment, similarity).
        case sentencePair = "sentence-pair"
    }

    public var modality: Modality
    public var kind: Kind
    /// Classes (single- and multi-label, sentence-pair) or regression targets.
    public var classes: Int
    /// Labelled training examples in all.
    public var examples: Int
    /// Examples per class when known (counted from a dataset or given), in `classNames` order
    /// when those are known.
    public var examplesPerClass: [Int]?
    /// Class names, when counted from a dataset.
    public var classNames: [String]?
    /// The dataset the counts were taken from, when given: where a trainer finds the examples.
    public var dataset: String?
    public var shift: DomainShift
    /// Whether the fine-tuned model must stay accurate under distribution shift (out-of-distribution
    /// robustness), which favours LP-FT over full fine-tuning (Kumar et al., ICLR 2022).
    public var robustness: Bool
    public var deployment: Deployment

    public init(modality: Modality, kind: Kind, classes: Int, examples: Int, examplesPerClass: [Int]? = nil, classNames: [String]? = nil,
                dataset: String? = nil, shift: DomainShift, robustness: Bool, deployment: Deployment = .init()) {
        (self.modality, self.kind, self.classes, self.examples) = (modality, kind, classes, examples)
        (self.examplesPerClass, self.classNames, self.dataset) = (examplesPerClass, classNames, dataset)
        (self.shift, self.robustness, self.deployment) = (shift, robustness, deployment)
    }

    /// What the deployed model must meet.
    public struct Deployment: Codable, Equatable, Sendable {
        /// Milliseconds per example at inference, on the deployment target.
        public var maxLatencyMs: Double?
        public var maxParameters: Int?
        public var cpuOnly: Bool

        public init(maxLatencyMs: Double? = nil, maxParameters: Int? = nil, cpuOnly: Bool = false) {
            self.maxLatencyMs = maxLatencyMs
            self.maxParameters = maxParameters
            self.cpuOnly = cpuOnly
        }
    }

    /// The fewest examples in one class: the smallest per-class count when known, else the
    /// balanced share.
    public var smallestClass: Int { examplesPerClass?.min() ?? examples / max(classes, 1) }

    /// Checks that the fields agree with each other; the error names the first field that does not.
    public func validate() throws(ProfileError) {
        switch kind {
        case .singleLabel, .sentencePair:
            guard classes >= 2 else { throw ProfileError("classes", "a \(kind.rawValue) task needs at least 2 classes, got \(classes)") }
        case .multiLabel:
            guard classes >= 1 else { throw ProfileError("classes", "a multi-label task needs at least 1 label, got \(classes)") }
        case .regression:
            guard classes >= 1 else { throw ProfileError("classes", "regression needs at least 1 target, got \(classes)") }
        }
        if kind == .sentencePair, modality != .text {
            throw ProfileError("task", "sentence-pair tasks take text, but the modality is \(modality.rawValue)")
        }
        guard examples >= 1 else { throw ProfileError("examples", "must be at least 1, got \(examples)") }
        if kind != .regression && kind != .multiLabel && examples < classes {
            throw ProfileError("examples", "\(examples) is fewer than classes (\(classes)): every class needs at least one example")
        }
        if let perClass = examplesPerClass {
            guard kind != .regression else { throw ProfileError("examples_per_class", "regression has no classes to count examples in") }
            guard perClass.count == classes else {
                throw ProfileError("examples_per_class", "\(perClass.count) counts given for \(classes) classes")
            }
            guard perClass.allSatisfy({ $0 >= 0 }) else { throw ProfileError("examples_per_class", "counts must not be negative") }
            if kind != .multiLabel, let empty = perClass.firstIndex(of: 0) {
                throw ProfileError("examples_per_class", "class \(empty + 1) of \(classes) has no examples: every class needs at least one")
            }
            let sum = perClass.reduce(0, +)
            if kind == .multiLabel {
                guard perClass.allSatisfy({ $0 <= examples }) else {
                    throw ProfileError("examples_per_class", "a label has more examples than the \(examples) in all")
                }
            } else {
                guard sum == examples else {
                    throw ProfileError("examples_per_class", "the counts add up to \(sum), but examples is \(examples)")
                }
            }
        }
        if let names = classNames, names.count != classes {
            throw ProfileError("class_names", "\(names.count) names for \(classes) classes")
        }
        if let latency = deployment.maxLatencyMs, !(latency > 0) {
            throw ProfileError("max_latency_ms", "must be a positive number of milliseconds, got \(latency)")
        }
        if let parameters = deployment.maxParameters, parameters < 1 {
            throw ProfileError("max_parameters", "must be positive, got \(parameters)")
        }
    }
}
