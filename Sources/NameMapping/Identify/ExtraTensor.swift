import CheckpointFormats

/// A tensor in a checkpoint that is not one of the model's parameters: training state the
/// conversion can drop, or something zoo does not recognise (which it never drops silently).
public struct ExtraTensor: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// An optimizer's slots (Adam's moments, momentum buffers).
        case optimizer
        /// Step counters and schedules (`global_step`, `epoch`).
        case bookkeeping
        /// An exponential-moving-average copy of the weights.
        case ema
        /// A buffer the model rebuilds itself (`embeddings.position_ids`).
        case derived
        case unknown
    }

    public let name: String
    public let kind: Kind

    /// Last name components of buffers a model rebuilds itself.
    static let derivedNames: Set<String> = ["position_ids", "token_type_ids"]

    /// What `name` is, when its name says it is not a model parameter.
    public static func kind(of name: String, role: TensorRole) -> Kind? {
        let components = name.split(whereSeparator: { $0 == "." || $0 == "/" }).map(String.init)
        let first = components.first ?? "", last = components.last ?? ""
        let slots: Set<String> = [
            "adam_m", "adam_v", "Adam", "Adam_1", "Momentum", "RMSProp", "RMSProp_1", "Adagrad", "beta1_power", "beta2_power",
            "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer", ".OPTIMIZER_SLOT",
        ]
        let keyRole = TensorRole(checkpointKey: first)
        if role == .optimizer || keyRole == .optimizer || slots.contains(last) || components.contains(".OPTIMIZER_SLOT") {
            return .optimizer
        }
        if role == .bookkeeping || keyRole == .bookkeeping || ["global_step", "epoch", "step", "iteration", "save_counter"].contains(name)
            || first == "save_counter" {
            return .bookkeeping
        }
        if ["ema", "model_ema", "ema_model", "module_ema", "shadow"].contains(first) || name.contains("ExponentialMovingAverage") { return .ema }
        if derivedNames.contains(last) { return .derived }
        return nil
    }
}
