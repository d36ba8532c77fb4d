/// A model zoo knows how to build: its canonical name, family and builder.
public struct RegisteredModel: Sendable {
    public let name: String
    public let family: String
    /// Builds the graph with a `numClasses`-way head, or headless (features) when nil.
    public let build: @Sendable (_ numClasses: Int?) -> ModelGraph

    /// The graph with its published (ImageNet) head.
    public var graph: ModelGraph { build(1000) }
}

/// Every architecture zoo can describe, by canonical name (torchvision's where it has one).
public enum Registry {
    public static let models: [RegisteredModel] =
        ResNet.depths.keys.sorted().map { depth in
            RegisteredModel(name: "resnet\(depth)", family: "resnet") { ResNet.graph(depth: depth, numClasses: $0) }
        }
        + VGG.configurations.keys.sorted().flatMap { depth in
            [false, true].map { batchNorm in
                RegisteredModel(name: "vgg\(depth)\(batchNorm ? "_bn" : "")", family: "vgg") {
                    VGG.graph(depth: depth, batchNorm: batchNorm, numClasses: $0)
                }
            }
        }
        + [RegisteredModel(name: "mobilenet_v2", family: "mobilenet") { MobileNetV2.graph(numClasses: $0) }]
        + MobileNetV3.Size.allCases.map { size in
            RegisteredModel(name: "mobilenet_v3_\(size.rawValue)", family: "mobilenet") { MobileNetV3.graph(size, numClasses: $0) }
        }
        + [RegisteredModel(name: "mobilenetv1_100", family: "mobilenet") { MobileNetV1.graph(numClasses: $0) }]
        + EfficientNetLite.variants.indices.map { variant in
            RegisteredModel(name: "tf_efficientnet_lite\(variant)", family: "efficientnet_lite") { EfficientNetLite.graph(variant: variant, numClasses: $0) }
        }

    public static func model(named name: String) -> RegisteredModel? { models.first { $0.name == name } }
}
