import CheckpointFormats
import Foundation
import TestSupport
import Tensors
import Testing

/// A PyTorch training checkpoint (`{"model": state_dict, "optimizer": {"state": …}, "lr_scheduler": …}`,
/// as torch nests it and zoo names it: `model.conv.weight`, `optimizer.state.0.exp_avg`): the
/// optimizer's tensors have their role, and `--weights-only` (alias `--drop-optimizer`) writes the
/// model's own state dict. Built with zoo's PyTorchWriter: no torch-written checkpoint with
/// optimizer tensors is among the fixtures (formats/pytorch/README.md).
@Suite struct TrainingCheckpointTests {
    /// Writes `model` under `model.`, with Adam's state for each tensor and a scheduler tensor.
    static func trainingCheckpoint(_ path: String, model: [(String, Tensor)]) throws {
        var tensors = model.map { ("model." + $0.0, $0.1) }
        for (index, (name, tensor)) in model.enumerated() {
            for slot in ["exp_avg", "exp_avg_sq"] {
                tensors.append(("optimizer.state.\(index).\(slot)", PatternedTensors.tensor(name + slot, shape: tensor.shape.dims, dtype: .f32)))
            }
            tensors.append(("optimizer.state.\(index).step", Tensor([Float(100)], dtype: .f32, shape: try Shape([]))))
        }
        tensors.append(("lr_scheduler.base_lrs", Tensor([Float(0.1)], dtype: .f32, shape: try Shape([1]))))
        let writer = try PyTorchWriter(path: path, tensors: tensors.map { TensorInfo(name: $0.0, dtype: $0.1.dtype, shape: $0.1.shape) })
        for (_, tensor) in tensors { try writer.append(tensor) }
        _ = try writer.commit()
    }

    static func json(_ result: Zoo.Result) throws -> Any {
        try #require(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test("optimizer state has its role; --weights-only and --drop-optimizer write the model's state dict without 'model.'")
    func weightsOnlyWritesTheModelStateDict() throws {
        let folder = try TemporaryFolder()
        let model = [("0.weight", PatternedTensors.tensor("w", shape: [3, 4], dtype: .f32)), ("0.bias", PatternedTensors.tensor("b", shape: [3], dtype: .f32))]
        let checkpoint = folder.file("checkpoint.pth")
        try Self.trainingCheckpoint(checkpoint, model: model)

        let inspected = try Self.json(Zoo.run("inspect", checkpoint, "--json")) as! [[String: Any]]
        let roles = Dictionary(uniqueKeysWithValues: (inspected[0]["tensors"] as! [[String: Any]]).map { ($0["name"] as! String, $0["role"] as! String) })
        #expect(roles["model.0.weight"] == "weight" && roles["optimizer.state.0.exp_avg"] == "optimizer" && roles["optimizer.state.1.step"] == "optimizer")
        #expect(roles["lr_scheduler.base_lrs"] == "bookkeeping")

        for flag in ["--weights-only", "--drop-optimizer"] {
            let output = folder.file("weights\(flag).pth")
            let report = try Self.json(Zoo.run("convert", checkpoint, output, flag, "--json")) as! [String: Any]
            #expect(report["tensors"] as? Int == 2 && report["dropped_tensors"] as? Int == 7 && report["removed_prefix"] as? String == "model.")
            let written = try Checkpoint.open(output)
            #expect(written.tensors.map(\.name) == ["0.weight", "0.bias"])
            for (name, tensor) in model { #expect(PatternedTensors.identical(try written.tensor(named: name), tensor), "\(name)") }
        }
        let text = try Zoo.run("convert", checkpoint, folder.file("w.safetensors"), "--weights-only")
        #expect(text.status == 0 && text.stdout.contains("7 non-weight tensors dropped, prefix 'model.' removed"), "\(text.stdout)")
        #expect(try Zoo.run("convert", "--help").stdout.contains("--drop-optimizer"))
    }

    @Test("the real MobileNetV2 in a training checkpoint: --weights-only gives back torchvision's file, tensor for tensor; so does --to torchvision",
          .enabled(if: RealAssets.haveMobileNetV2AndPhotos, "needs assets/torch/mobilenet_v2-b0353104.pth (make assets)"))
    func realModelComesBackAsTorchvisionsStateDict() throws {
        let folder = try TemporaryFolder()
        let source = try Checkpoint.open(RealAssets.mobileNetV2)
        let checkpoint = folder.file("training.pth")
        try Self.trainingCheckpoint(checkpoint, model: try source.tensors.map { ($0.name, try source.tensor(named: $0.name)) })
        func rows(_ path: String) throws -> [String] {
            try Zoo.run("inspect", path, "--checksum", "--sort", "name").stdout.split(separator: "\n").dropFirst().map(String.init)
        }
        #expect(try Zoo.run("convert", checkpoint, folder.file("plain.pth"), "--weights-only").status == 0)
        #expect(try rows(folder.file("plain.pth")) == rows(RealAssets.mobileNetV2))
        let mapped = try Zoo.run("convert", checkpoint, folder.file("mapped.pth"), "--to", "torchvision", "--drop-optimizer")
        #expect(mapped.status == 0, "\(mapped.stderr)")
        let refused = try Zoo.run("convert", checkpoint, folder.file("refused.pth"), "--to", "torchvision")
        #expect(refused.status == 6 && refused.stderr.contains("pass --weights-only"), "\(refused.stderr)")
    }
}
