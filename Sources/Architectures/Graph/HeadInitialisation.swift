/// How the library a model comes from initialises a new classifier (a `Linear` head), so a fresh
/// head starts from the distribution its users know.
public enum HeadInitialisation: Sendable, Equatable {
    /// `nn.Linear`'s own `reset_parameters`: Kaiming-uniform with a = √5, i.e. weight and bias
    /// uniform in ±1/√in_features (torchvision's ResNets leave their `fc` so).
    case linearDefault
    /// Weight normal(0, std), bias zero: torchvision's VGG and MobileNets (0.01), Hugging Face's
    /// `_init_weights` (`initializer_range`, 0.02).
    case normal(standardDeviation: Double)
    /// Weight uniform in ±1/√out_features, bias zero: timm's `_init_weight_goog` (EfficientNet-Lite,
    /// MobileNet V1), after Google's TensorFlow code.
    case uniformFanOut
}
