import Architectures
import Tensors

/// Which tensors of a checkpoint are buffers — state a model saves but does not train: batch-norm
/// running statistics and counters, position ids — told from their names in any convention, or
/// from an integer or boolean dtype (torch trains floating-point tensors only). What is left are
/// the trainable parameters, as torch's `parameters()` and Keras's "Trainable params" count them.
public enum BufferNames {
    /// Last name components that are buffers: the suffixes the registry's operations mark as
    /// buffers, Keras's names for them, and the buffers a model rebuilds itself.
    static let lastComponents: Set<String> = {
        let canonical = Set(Op.batchNorm(channels: 1, epsilon: 0).parameters.filter(\.isBuffer).map(\.suffix))
        let keras = KerasLayer.batchNormNames.filter { canonical.contains($0.1) }.map(\.0)
        return canonical.union(keras).union(ExtraTensor.derivedNames)
    }()

    /// Whether the tensor called `name` (`bn1.running_mean`, `bn_Conv1/moving_mean:0`) of `dtype` is a buffer.
    public static func isBuffer(_ name: String, dtype: DType) -> Bool {
        guard dtype.isConvertibleFloat || dtype == .f8e4m3 || dtype == .f8e5m2 else { return true }
        let last = name.split(whereSeparator: { $0 == "." || $0 == "/" }).last?.split(separator: ":").first
        return last.map { lastComponents.contains(String($0)) } ?? false
    }
}
