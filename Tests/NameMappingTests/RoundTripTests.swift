import Architectures
import Foundation
@testable import NameMapping
import Tensors
import Testing
import TestSupport

/// Every registry model through every convention that names it and back: bit for bit.
struct RoundTripTests {
    static let pairs: [(String, Convention)] = Registry.models.flatMap { model in
        Convention.supporting(model).map { (model.name, $0) }
    }

    @Test("canonical → convention → canonical is bit-exact", arguments: pairs)
    func roundTrip(_ name: String, _ convention: Convention) throws {
        let model = Registry.model(named: name)!
        let layout = try #require(convention.layout(of: model, graph: model.graph))
        let specs = Dictionary(uniqueKeysWithValues: model.graph.parameters.map { ($0.name, $0.spec) })
        let canonical = { (name: String) in PatternedTensors.tensor(name, shape: specs[name]!.shape, dtype: specs[name]!.dtype) }
        // A tensor stored as is and read back as is needs only its names to agree; every
        // other tensor's bytes go through the export and the import.
        let plain = Set(layout.tensors.compactMap { tensor -> String? in
            guard case .tensor(let parameter) = tensor.export, layout.imports[parameter] == .tensor(tensor.name) else { return nil }
            return parameter
        })
        let transformed = layout.tensors.filter { !$0.export.inputs.allSatisfy(plain.contains) || $0.export.layout?.isIdentity != true }
        var written: [String: Tensor] = [:]
        for tensor in transformed { written[tensor.name] = try tensor.export.evaluate(canonical) }
        for parameter in model.graph.parameters where !plain.contains(parameter.name) {
            let back = try layout.imports[parameter.name]!.evaluate { name in
                if let tensor = written[name] { return tensor }
                // An identity tensor another expression reads.
                return try layout.tensor(named: name)!.export.evaluate(canonical)
            }
            #expect(PatternedTensors.identical(back, canonical(parameter.name)), "\(name) \(convention): \(parameter.name) differs after the round trip")
        }
        #expect(Set(layout.tensors.map(\.name)).count == layout.tensors.count, "\(name) \(convention): duplicate names")
    }
}
