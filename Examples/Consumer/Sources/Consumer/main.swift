// Uses the library products as a dependent package would: a checkpoint written and read back, a model
// from the registry with its built-in card, and its freeze groups.
import Foundation
import ModelZoo

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consumer-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

let path = folder.appendingPathComponent("weights.safetensors").path
let weight = Tensor([1, 2, 3, 4] as [Float], dtype: .f32, shape: try Shape([2, 2]))
let writer = try SafetensorsWriter(path: path, tensors: [TensorInfo(name: "linear.weight", dtype: .f32, shape: weight.shape)])
try writer.append(weight)
_ = try writer.commit()
let reader = try Checkpoint.open(path)
let back = try reader.tensor(named: "linear.weight").converted(to: .f32)
print("read back \(reader.tensors.map(\.name)) \(back.shape)")

guard let model = Registry.model(named: "mobilenet_v2") else { fatalError("mobilenet_v2 is not in the registry") }
let card = try ModelCards.standard()["mobilenet_v2"]?.card
print("mobilenet_v2: \(model.graph.parameterCount) parameters, \(model.graph.freezeGroups.count) freeze groups, card checkpoints \(card?.checkpoints.map(\.name) ?? [])")
