import Foundation
import TestSupport
import Testing

/// `zoo inspect` counts trainable parameters and buffers apart, and its count equals
/// `zoo models show`'s and torch's `parameters()`.
@Suite struct InspectCountTests {
    @Test("the real MobileNetV2: 3,504,872 parameters as torch counts them, batch-norm statistics and counters as buffers",
          .enabled(if: RealAssets.exists(RealAssets.mobileNetV2), "needs assets/torch/mobilenet_v2-b0353104.pth (make assets)"))
    func mobileNetV2ParametersEqualTorchAndModelsShow() throws {
        let inspected = try Zoo.run("inspect", RealAssets.mobileNetV2, "--json")
        try #require(inspected.status == 0, "\(inspected.stderr)")
        let report = (try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as! [[String: Any]])[0]
        let totals = report["totals"] as! [String: Int]
        #expect(totals["parameters"] == 3_504_872)
        #expect(totals["buffers"] == 34_164 && totals["buffer_tensors"] == 3 * 52)
        let tensors = report["tensors"] as! [[String: Any]]
        let buffers = tensors.filter { $0["buffer"] as! Bool }.map { ($0["name"] as! String).split(separator: ".").last! }
        #expect(Set(buffers) == ["running_mean", "running_var", "num_batches_tracked"])
        let shown = try Zoo.run("models", "show", "mobilenet_v2", "--json")
        let model = (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as! [String: Any])["model"] as! [String: Any]
        #expect(model["parameters"] as? Int == totals["parameters"])
        let table = try Zoo.run("inspect", RealAssets.mobileNetV2)
        #expect(table.stdout.contains("trainable: 3,504,872 parameters · buffers: 34,164 in 156 tensors"), "\(table.stdout.suffix(300))")
    }

    @Test func kerasMovingStatisticsAreBuffers() throws {
        let result = try Zoo.run("inspect", Fixtures.path("hdf5", "keras_legacy_model.h5"), "--json")
        try #require(result.status == 0, "\(result.stderr)")
        let report = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]])[0]
        let tensors = report["tensors"] as! [[String: Any]]
        let weights = tensors.filter { $0["role"] as? String == "weight" }
        let buffers = weights.filter { $0["buffer"] as! Bool }
        #expect(buffers.allSatisfy { ($0["name"] as! String).contains("moving_") })
        let totals = report["totals"] as! [String: Int]
        #expect(totals["parameters"]! + totals["buffers"]! == weights.reduce(0) { $0 + ($1["elements"] as! Int) })
    }
}
