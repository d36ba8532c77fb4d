/// Refuses the first tensor whose name holds a NUL, for an output format whose readers end a
/// name there (`cut` says where), so the tensor would come back renamed or not at all. The name
/// is shown escaped (`"w\0x"`).
func refuseNUL(in tensors: [TensorInfo], path: String, cut: String) throws {
    guard let tensor = tensors.first(where: { $0.name.utf8.contains(0) }) else { return }
    throw CheckpointError.unsupportedOutput(
        file: path, reason: "tensor \(FieldWidth.abbreviated(tensor.name).debugDescription) has a NUL character in its name, \(cut)")
}
