import Foundation
import Tensors

/// How token states become one sentence embedding: what a sentence-transformers folder declares
/// in `modules.json` (a `Pooling` module's `config.json`: mean, cls or max over the unmasked
/// tokens; a `Normalize` module: L2 normalisation), or zoo's default, mean pooling without
/// normalisation, for a folder without one.
public struct SentencePooling: Sendable, Equatable, Encodable, CustomStringConvertible {
    public enum Mode: String, Sendable, Encodable {
        /// The mean of the unmasked tokens' states.
        case mean
        /// The first token's state (`[CLS]`).
        case cls
        /// The element-wise maximum over the unmasked tokens.
        case max
    }

    public let mode: Mode
    /// Whether each embedding is divided by its L2 norm.
    public let normalized: Bool
    /// The `modules.json` this was read from; nil for the default.
    public let declaredBy: String?

    public static let `default` = SentencePooling(mode: .mean, normalized: false, declaredBy: nil)

    public init(mode: Mode, normalized: Bool, declaredBy: String?) {
        self.mode = mode
        self.normalized = normalized
        self.declaredBy = declaredBy
    }

    /// What `folder`'s `modules.json` declares, or the default when it has none.
    public init(folder: String) throws(SentencePoolingError) {
        let modulesFile = folder + "/modules.json"
        guard FileManager.default.fileExists(atPath: modulesFile) else {
            self = .default
            return
        }
        guard let modules = Self.json(modulesFile) as? [[String: Any]] else {
            throw .malformed(file: modulesFile, reason: "expected a list of modules, each with a \"type\" and a \"path\"")
        }
        let types = modules.map { ($0["type"] as? String ?? "", $0["path"] as? String ?? "") }
        guard let pooling = types.first(where: { $0.0.hasSuffix(".Pooling") }) else {
            throw .malformed(file: modulesFile, reason: "no sentence_transformers.models.Pooling module")
        }
        let configFile = folder + "/" + pooling.1 + "/config.json"
        guard let config = Self.json(configFile) as? [String: Any] else {
            throw .malformed(file: configFile, reason: "cannot be read as a JSON object (the Pooling module's settings)")
        }
        let chosen = config.filter { $0.key.hasPrefix("pooling_mode_") && ($0.value as? Bool) == true }.map(\.key).sorted()
        let modes: [String: Mode] = ["pooling_mode_mean_tokens": .mean, "pooling_mode_cls_token": .cls, "pooling_mode_max_tokens": .max]
        guard chosen.count == 1, let mode = modes[chosen[0]] else {
            throw .unsupportedPooling(file: configFile, modes: chosen)
        }
        self.init(mode: mode, normalized: types.contains { $0.0.hasSuffix(".Normalize") }, declaredBy: modulesFile)
    }

    private static func json(_ path: String) -> Any? {
        (try? RegularFile.read(path)).flatMap { try? JSONSerialization.jsonObject(with: Data($0)) }
    }

    /// One embedding per sample of `states` (`[samples, length, width]`, flattened), pooled over the
    /// tokens whose `mask` is 1, as sentence-transformers pools them.
    public func pool(_ states: [Float], mask: [Int], samples: Int, length: Int, width: Int) -> [[Float]] {
        (0..<samples).map { sample in
            let kept = (0..<length).filter { mask[sample * length + $0] == 1 }
            func state(_ token: Int, _ channel: Int) -> Float { states[(sample * length + token) * width + channel] }
            let pooled: [Float] = switch mode {
            case .mean: (0..<width).map { channel in kept.reduce(Float(0)) { $0 + state($1, channel) } / Float(max(kept.count, 1)) }
            case .cls: (0..<width).map { state(0, $0) }
            case .max: (0..<width).map { channel in kept.map { state($0, channel) }.max() ?? 0 }
            }
            guard normalized else { return pooled }
            let norm = Float(pooled.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            return pooled.map { $0 / max(norm, 1e-12) }
        }
    }

    /// `mean pooling, L2-normalised (as …/modules.json declares)`.
    public var description: String {
        "\(mode.rawValue) pooling\(normalized ? ", L2-normalised" : "")" + (declaredBy.map { " (as \($0) declares)" } ?? " (zoo's default: the folder has no modules.json)")
    }
}

/// A sentence-transformers folder whose pooling zoo cannot follow.
public enum SentencePoolingError: Error, CustomStringConvertible, Equatable {
    case malformed(file: String, reason: String)
    /// Not exactly one of mean, cls or max (sentence-transformers also has weighted-mean,
    /// last-token and sqrt-length means, which zoo does not compute).
    case unsupportedPooling(file: String, modes: [String])

    public var description: String {
        switch self {
        case let .malformed(file, reason): "\(file): \(reason)"
        case let .unsupportedPooling(file, modes):
            "\(file): pools by \(modes.isEmpty ? "no mode" : modes.joined(separator: " + ")); zoo follows exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token or pooling_mode_max_tokens"
        }
    }
}
