import CheckpointFormats
import Engine
import Foundation
import Tensors

/// `checkpoint.safetensors` in a run folder: one file, written atomically (a temporary file
/// renamed over the last one), holding the `RunState` as JSON in its metadata and the tensors a
/// resumed run needs: `model/<name>` (what training changes: the trained groups' weights and
/// batch-norm statistics; the frozen rest is the base checkpoint's), `probe/<name>`
/// (the linear probe's head, during that phase), `optimizer/<parameter>/<slot>` (torch's state
/// slot names) and `best/<name>` (early stopping's best weights).
enum RunCheckpoint {
    static let fileName = "checkpoint.safetensors"
    static let stateKey = "zoo.run_state"

    static func write(_ state: RunState, tensors: [(name: String, values: [Float])], to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = String(decoding: try encoder.encode(state), as: UTF8.self)
        let infos = try tensors.map { TensorInfo(name: $0.name, dtype: .f32, shape: try Shape([$0.values.count])) }
        let writer = try SafetensorsWriter(path: folder + "/" + fileName, tensors: infos, metadata: [stateKey: json])
        for (tensor, info) in zip(tensors, infos) { try writer.append(Tensor(tensor.values, dtype: .f32, shape: info.shape)) }
        _ = try writer.commit()
    }

    /// The state and tensors of `folder`'s checkpoint; throws `cannotResume` naming what is wrong.
    static func read(_ folder: String) throws -> (state: RunState, tensors: [String: [Float]]) {
        let path = folder + "/" + fileName
        let reader: CheckpointReader
        do { reader = try Checkpoint.open(path) } catch { throw TrainingError.cannotResume("\(path): \(error)") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let json = reader.metadata[stateKey], let state = try? decoder.decode(RunState.self, from: Data(json.utf8)),
              state.schema == RunState.currentSchema else {
            throw TrainingError.cannotResume("\(path) holds no \(RunState.currentSchema) state")
        }
        var tensors: [String: [Float]] = [:]
        for info in reader.tensors {
            do { tensors[info.name] = try reader.tensor(named: info.name).floats() } catch { throw TrainingError.cannotResume("\(path): \(info.name): \(error)") }
        }
        return (state, tensors)
    }

    /// The tensors under `prefix/`, by the rest of their names.
    static func tensors(_ all: [String: [Float]], under prefix: String) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: all.compactMap { name, values in
            name.hasPrefix(prefix + "/") ? (String(name.dropFirst(prefix.count + 1)), values) : nil
        })
    }

    /// Sets every one of `tensors` from `saved` (all must be there, with their counts).
    static func restore(_ tensors: [Parameter], from saved: [String: [Float]], what: String) throws {
        for tensor in tensors {
            guard let values = saved[tensor.name], values.count == tensor.count else {
                throw TrainingError.cannotResume("the checkpoint's \(what) lacks \(tensor.name) or has the wrong size")
            }
            tensor.assign(values)
        }
    }
}
