import Architectures
import Foundation
import Tensors

extension ParameterStore {
    /// Draws the classifier of `graph` (its last linear node of the head: N classes, N
    /// regression targets or N labels) afresh, as `scheme` says the model's library does, from
    /// `seed`. The stream is SplitMix64(seed): uniforms are `(next() >> 11)·2⁻⁵³`, normals one
    /// Box–Muller cosine per two uniforms, drawn for the weight (row-major `[out, in]`) and then
    /// the bias. The values are zoo's own draws, not torch's: an exported run starts from the
    /// weights zoo saved, not from a reseeded torch.
    public func initialiseHead(of graph: ModelGraph, _ scheme: HeadInitialisation, seed: UInt64) throws {
        guard let classifier = graph.classifier, case .linear(let inFeatures, let outFeatures, let hasBias) = graph.nodes[classifier].op else {
            throw EngineError.unsupported(node: graph.name, what: "a fresh head on a graph without a classifier")
        }
        let name = graph.nodes[classifier].name
        guard let weight = self[name + ".weight"] else { throw EngineError.missingWeight(name: name + ".weight", source: "the parameter store") }
        var generator = SplitMix64(seed: seed)
        func uniform() -> Double { Double(generator.next() >> 11) * 0x1p-53 }
        func draw(_ count: Int, _ scheme: HeadInitialisation) -> [Float] {
            switch scheme {
            case .linearDefault:
                let bound = 1 / Double(inFeatures).squareRoot()
                return (0..<count).map { _ in Float((2 * uniform() - 1) * bound) }
            case .uniformFanOut:
                let bound = 1 / Double(outFeatures).squareRoot()
                return (0..<count).map { _ in Float((2 * uniform() - 1) * bound) }
            case .normal(let deviation):
                return (0..<count).map { _ in
                    let (u, v) = (uniform(), uniform())
                    return Float((-2 * log(1 - u)).squareRoot() * cos(2 * Double.pi * v) * deviation)
                }
            }
        }
        weight.assign(draw(weight.count, scheme))
        guard hasBias, let bias = self[name + ".bias"] else { return }
        bias.assign(scheme == .linearDefault ? draw(bias.count, scheme) : [Float](repeating: 0, count: bias.count))
    }
}
