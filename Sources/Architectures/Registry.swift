/// A model zoo knows how to build: its canonical name, family and builder.
public struct RegisteredModel: Sendable {
    public let name: String
    public let family: String
    /// The head the published checkpoints carry: 1000 ImageNet classes, or nil for encoders,
    /// whose checkpoints end at the pooler.
    public let publishedClasses: Int?
    /// How the model's library initialises a new head (what `build(n)` adds for fine-tuning).
    public let headInitialisation: HeadInitialisation
    /// Builds the graph with a `numClasses`-way head, or headless (features) when nil.
    public let build: @Sendable (_ numClasses: Int?) -> ModelGraph

    public init(
        name: String, family: String, publishedClasses: Int? = 1000, headInitialisation: HeadInitialisation,
        build: @escaping @Sendable (_ numClasses: Int?) -> ModelGraph
    ) {
        self.name = name
        self.family = family
        self.publishedClasses = publishedClasses
        self.headInitialisation = headInitialisation
        self.build = build
    }

    /// The graph as the published checkpoints are laid out.
    public var graph: ModelGraph { build(publishedClasses) }

    /// What the model takes: "image" or "text".
    public var task: String {
        if case .tokens = graph.input { return "text" }
        return "image"
    }
}

/// Every architecture zoo can describe, by canonical name (torchvision's where it has one).
public enum Registry {
    public static let models: [RegisteredModel] =
        ResNet.depths.keys.sorted().map { depth in
            RegisteredModel(name: "resnet\(depth)", family: "resnet", headInitialisation: .linearDefault) { ResNet.graph(depth: depth, numClasses: $0) }
        }
        + VGG.configurations.keys.sorted().flatMap { depth in
            [false, true].map { batchNorm in
                RegisteredModel(name: "vgg\(depth)\(batchNorm ? "_bn" : "")", family: "vgg", headInitialisation: .normal(standardDeviation: 0.01)) {
                    VGG.graph(depth: depth, batchNorm: batchNorm, numClasses: $0)
                }
            }
        }
        + [RegisteredModel(name: "mobilenet_v2", family: "mobilenet", headInitialisation: .normal(standardDeviation: 0.01)) { MobileNetV2.graph(numClasses: $0) }]
        + MobileNetV3.Size.allCases.map { size in
            RegisteredModel(name: "mobilenet_v3_\(size.rawValue)", family: "mobilenet", headInitialisation: .normal(standardDeviation: 0.01)) { MobileNetV3.graph(size, numClasses: $0) }
        }
        + [RegisteredModel(name: "mobilenetv1_100", family: "mobilenet", headInitialisation: .uniformFanOut) { MobileNetV1.graph(numClasses: $0) }]
        + EfficientNetLite.variants.indices.map { variant in
            RegisteredModel(name: "tf_efficientnet_lite\(variant)", family: "efficientnet_lite", headInitialisation: .uniformFanOut) { EfficientNetLite.graph(variant: variant, numClasses: $0) }
        }
        + encoders

    /// Google's BERT sizes (L, H) and the MiniLM students, uncased (30,522 tokens) and cased (28,996).
    static let encoders: [RegisteredModel] = {
        let sizes = [("tiny", 2, 128), ("mini", 4, 256), ("small", 4, 512), ("medium", 8, 512), ("base", 12, 768), ("large", 24, 1024)]
        var models = sizes.flatMap { size, layers, hidden in
            [("uncased", 30_522), ("cased", 28_996)].map { casing, vocabulary in
                encoder("bert_\(size)_\(casing)", "bert", Encoder(.bert, layers: layers, hidden: hidden, vocabulary: vocabulary))
            }
        }
        models.append(encoder("distilbert_base_uncased", "distilbert", Encoder(.distilbert, layers: 6, hidden: 768, vocabulary: 30_522)))
        models.append(encoder("roberta_base", "roberta", Encoder(.roberta, layers: 12, hidden: 768, vocabulary: 50_265)))
        models.append(encoder("roberta_large", "roberta", Encoder(.roberta, layers: 24, hidden: 1024, heads: 16, vocabulary: 50_265)))
        for layers in [6, 12] {
            models.append(encoder("minilm_l\(layers)_h384", "minilm", Encoder(.bert, layers: layers, hidden: 384, heads: 12, vocabulary: 30_522)))
        }
        return models
    }()

    private static func encoder(_ name: String, _ family: String, _ encoder: Encoder) -> RegisteredModel {
        RegisteredModel(name: name, family: family, publishedClasses: nil, headInitialisation: .normal(standardDeviation: 0.02)) { encoder.graph(name: name, numClasses: $0) }
    }

    public static func model(named name: String) -> RegisteredModel? { models.first { $0.name == name } }
}
