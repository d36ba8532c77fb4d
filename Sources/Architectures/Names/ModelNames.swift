import Glibc

/// Every name by which users already know a registry model, resolved to the model: the registry
/// name, the Hugging Face ids its card lists (`google-bert/bert-base-uncased`) and their legacy
/// form without the organisation (`bert-base-uncased`), torchvision weight enums
/// (`ResNet50_Weights.IMAGENET1K_V2`) and their class (`ResNet50_Weights`, so `.DEFAULT` too), and
/// timm names (the card's where timm's differs: `mobilenetv2_100`) with or without a pretrained tag
/// (`resnet50.tv_in1k`, `timm/tf_efficientnet_lite0.in1k`).
/// Case and hyphen/underscore do not matter. One resolver serves every command that takes a model.
public struct ModelNames: Sendable {
    /// One way of writing a model's name.
    private struct Alias: Sendable {
        let text: String
        let model: RegisteredModel
    }

    /// Every alias, the registry name first for each model, in registry order.
    private let aliases: [Alias]
    private let models: [RegisteredModel]
    /// Aliases by `key`; a key two models share names neither.
    private let byKey: [String: RegisteredModel]

    /// The names of `models`, with the timm names, Hugging Face ids and torchvision weights their `cards` list.
    public init(models: [RegisteredModel] = Registry.models, cards: [String: ModelCard]) {
        var aliases: [Alias] = []
        for model in models {
            let card = cards[model.name]
            var texts = [model.name] + (card?.timm.map { [$0] } ?? [])
            for checkpoint in card?.checkpoints ?? [] {
                if let slash = checkpoint.name.lastIndex(of: "/") {
                    texts += [checkpoint.name, String(checkpoint.name[checkpoint.name.index(after: slash)...])]
                }
                if let weights = checkpoint.torchvisionWeights {
                    texts += [weights, Self.droppingTag(weights)]
                }
            }
            var seen = Set<String>()
            aliases += texts.filter { seen.insert(Self.key($0)).inserted }.map { Alias(text: $0, model: model) }
        }
        var owners: [String: [RegisteredModel]] = [:]
        for alias in aliases { owners[Self.key(alias.text), default: []].append(alias.model) }
        self.aliases = aliases
        self.models = models
        byKey = owners.compactMapValues { $0.count == 1 ? $0[0] : nil }
    }

    /// The registry's names with the standard cards' (built in, or `$ZOO_CARDS`); the registry's alone
    /// when the cards cannot be read.
    public static let standard = ModelNames(cards: (try? ModelCards.standard().mapValues(\.card)) ?? [:])

    /// The model `name` names: an alias, or else an alias once a timm pretrained tag (`.tv_in1k`)
    /// or a Hub organisation (`timm/`) is dropped.
    public func model(named name: String) -> RegisteredModel? {
        let bare = name.split(separator: "/").last.map(String.init) ?? name
        return [name, Self.droppingTag(name), bare, Self.droppingTag(bare)].lazy.compactMap { byKey[Self.key($0)] }.first
    }

    /// The model `name` names, or an error offering the closest names.
    public func resolve(_ name: String) throws(UnknownModelName) -> RegisteredModel {
        guard let model = model(named: name) else { throw UnknownModelName(name: name, closest: closest(to: name)) }
        return model
    }

    /// The family `name` names: a family (`efficientnet-lite`), or the family of the model it names.
    public func family(named name: String) -> String? {
        models.first { Self.key($0.family) == Self.key(name) }?.family ?? model(named: name)?.family
    }

    /// Up to three aliases closest to `name` by edit distance, one per model (its nearest alias).
    public func closest(to name: String) -> [String] {
        var seen = Set<String>()
        return ClosestNames.nearest(to: name, among: aliases.map(\.text), limit: aliases.count, key: Self.key)
            .filter { seen.insert(model(named: $0)?.name ?? $0).inserted }
            .prefix(3).map { $0 }
    }

    /// Models any of whose aliases, family or task contains `text`, or matches it as a shell glob
    /// (`*lite*`, `resnet?0`, as timm's `list_models` takes) when it has `*`, `?` or `[`.
    public func search(_ text: String) -> [RegisteredModel] {
        let isGlob = text.contains { "*?[".contains($0) }
        func matches(_ candidate: String) -> Bool {
            isGlob
                ? fnmatch(text.lowercased(), candidate.lowercased(), 0) == 0 || fnmatch(Self.key(text), Self.key(candidate), 0) == 0
                : Self.key(candidate).contains(Self.key(text))
        }
        return models.filter { model in
            ([model.family, model.task] + aliases.filter { $0.model.name == model.name }.map(\.text)).contains(where: matches)
        }
    }

    /// How names compare: lower-cased, hyphens as underscores.
    static func key(_ name: String) -> String { name.lowercased().replacingOccurrences(of: "-", with: "_") }

    /// `name` without a trailing `.tag` (timm's pretrained tag, a torchvision enum member).
    static func droppingTag(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return name }
        return String(name[..<dot])
    }
}

/// A model name no registry model answers to, with the closest names.
public struct UnknownModelName: Error, CustomStringConvertible {
    public let name: String
    public let closest: [String]

    public var description: String {
        "unknown model '\(name)'\(ClosestNames.phrase(closest))" + (closest.isEmpty ? " (see zoo models list, or zoo models search)" : "")
    }
}
