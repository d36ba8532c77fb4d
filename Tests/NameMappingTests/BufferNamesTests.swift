import NameMapping
import Tensors
import Testing

/// Buffers are told from their names in every convention (torch's running statistics and counter,
/// Keras's moving statistics, position ids) and from integer or boolean dtypes; weights are not.
@Suite struct BufferNamesTests {
    @Test(arguments: [
        "features.1.running_mean", "layer1.0.bn1.running_var", "bn_Conv1/moving_mean:0", "block_1_expand_BN/moving_variance",
        "layers/batch_normalization/moving_mean", "embeddings.position_ids",
    ])
    func buffersByName(_ name: String) {
        #expect(BufferNames.isBuffer(name, dtype: .f32))
    }

    @Test(arguments: ["features.1.weight", "bn_Conv1/gamma:0", "classifier.1.bias", "encoder.layer.0.attention.self.query.weight", "running_mean_scale"])
    func weightsAreNotBuffers(_ name: String) {
        #expect(!BufferNames.isBuffer(name, dtype: .f32))
    }

    @Test func integerTensorsAreNeverTrained() {
        #expect(BufferNames.isBuffer("bn1.num_batches_tracked", dtype: .i64))
        #expect(BufferNames.isBuffer("mask", dtype: .bool))
        #expect(!BufferNames.isBuffer("weight", dtype: .bf16))
    }
}
