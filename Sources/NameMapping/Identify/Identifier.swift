import Architectures
import CheckpointFormats
import Tensors

/// Says which registry model and convention a checkpoint is, from its tensor names and shapes
/// alone: every file name votes for the (layout, wrapper prefix) pairs whose names it ends with,
/// and the leading pairs are then scored tensor by tensor.
public enum Identifier {
    /// Every registry model (with its published head, or a 2-way head for encoders) in every
    /// convention that names it; and headless in the conventions that name a backbone apart
    /// (`Convention.namesBackboneApart`), since there a headless file's names are not the headed
    /// ones less the head.
    static let layouts: [ConventionLayout] = Registry.models.flatMap { model in
        let graph = model.build(model.publishedClasses ?? 2)
        let headed = Convention.allCases.compactMap { $0.layout(of: model, graph: graph) }
        let headless = Convention.allCases.filter(\.namesBackboneApart).compactMap { $0.layout(of: model, graph: model.build(nil)) }
        return headed + headless
    }

    /// Convention name → (layout, tensor) pairs that use it.
    private static let index: [String: [Int]] = {
        var index: [String: [Int]] = [:]
        for (position, layout) in layouts.enumerated() {
            for tensor in layout.tensors { index[tensor.name, default: []].append(position) }
        }
        return index.mapValues { Array(Set($0)).sorted() }
    }()

    /// Identifies `reader`'s contents; `model` and `convention` restrict the candidates.
    public static func identify(_ reader: CheckpointReader, model: String? = nil, convention: Convention? = nil) -> Identification {
        var extras: [ExtraTensor] = []
        var names: [String: TensorInfo] = [:]
        var order: [String] = []
        for info in reader.tensors {
            if let kind = ExtraTensor.kind(of: info.name, role: reader.role(of: info.name)) {
                extras.append(ExtraTensor(name: info.name, kind: kind))
                continue
            }
            let key = TensorKey.normalized(info.name)
            if names[key] == nil { order.append(key) }
            names[key] = info
        }
        // Votes: every suffix of a name that starts after a separator and is some layout's name.
        var votes: [Pair: Int] = [:]
        for key in order {
            var starts = [key.startIndex]
            for index in key.indices where key[index] == "." || key[index] == "/" { starts.append(key.index(after: index)) }
            for start in starts {
                guard let hits = index[String(key[start...])] else { continue }
                let prefix = String(key[..<start])
                for layout in hits where allowed(layouts[layout], model, convention) { votes[Pair(layout: layout, prefix: prefix), default: 0] += 1 }
            }
        }
        let leading = votes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.layout < $1.key.layout }.prefix(12)
        let candidates = leading.map { score(layouts[$0.key.layout], prefix: $0.key.prefix, names: names, order: order, extras: extras) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : rank($0) < rank($1) }
        // The file's own head: rebuild the best reading's layout with its class count (or none).
        let best = candidates.first.map { candidate in
            let head = candidate.classes
            guard head != candidate.layout.graph.classifierOutputs, let model = Registry.model(named: candidate.model),
                  let layout = candidate.convention.layout(of: model, graph: model.build(head)) else { return candidate }
            return score(layout, prefix: candidate.prefix, names: names, order: order, extras: extras)
        }
        let sameNames = candidates.dropFirst().filter { c in
            guard let best else { return false }
            // The same file names read the same way (`bert.` as a wrapper or as the convention's prefix).
            return c.model == best.model && c.score == best.score && Set(c.matched.map { c.prefix + $0 }) == Set(best.matched.map { best.prefix + $0 })
        }.map(\.convention)
        let runnerUp = candidates.dropFirst().first { c in c.model != best?.model || !sameNames.contains(c.convention) }
        var dtypes: [DType: Int] = [:]
        for key in best?.matched ?? [] { if let info = names[(best?.prefix ?? "") + key] { dtypes[info.dtype, default: 0] += 1 } }
        return Identification(
            file: reader.path, best: best, runnerUp: runnerUp, sameNames: sameNames, dtypes: dtypes,
            wrappers: wrappers(reader, prefix: best?.prefix ?? ""), extras: extras)
    }

    private struct Pair: Hashable {
        let layout: Int
        let prefix: String
    }

    private static func allowed(_ layout: ConventionLayout, _ model: String?, _ convention: Convention?) -> Bool {
        (model == nil || layout.model == model) && (convention == nil || layout.convention == convention)
    }

    /// Canonical conventions first when two readings tie.
    private static func rank(_ candidate: Candidate) -> Int { Convention.allCases.firstIndex(of: candidate.convention) ?? 0 }

    /// Accounts for every tensor of the file under one reading.
    static func score(_ layout: ConventionLayout, prefix: String, names: [String: TensorInfo], order: [String], extras: [ExtraTensor]) -> Candidate {
        var matched: [String] = [], missing: [String] = [], misshaped: [Candidate.Misshaped] = [], used = Set<String>()
        var classes: Int?, classifierMissing = 0
        let classifierCount = layout.tensors.filter { $0.classAxis != nil }.count
        for tensor in layout.tensors {
            guard let info = names[prefix + tensor.name] else {
                if tensor.classAxis != nil { classifierMissing += 1 } else { missing.append(tensor.name) }
                continue
            }
            used.insert(prefix + tensor.name)
            let found = info.shape.dims
            var expected = tensor.shape
            if let axis = tensor.classAxis, found.count == expected.count {
                expected[axis] = found[axis]
                classes = found[axis]
            }
            if found == expected { matched.append(tensor.name) } else { misshaped.append(.init(name: tensor.name, expected: tensor.shape, found: found)) }
        }
        // A classifier half present is missing, not a headless file.
        if classifierMissing > 0 && classifierMissing < classifierCount {
            missing += layout.tensors.filter { $0.classAxis != nil && names[prefix + $0.name] == nil }.map(\.name)
        }
        if classifierMissing == classifierCount { classes = nil }
        let unexpected = order.filter { !used.contains($0) }
        let expected = layout.tensors.count - (classifierMissing == classifierCount ? classifierCount : 0)
        let score = Double(matched.count) / Double(max(expected + unexpected.count, 1))
        return Candidate(layout: layout, prefix: prefix, matched: matched, missing: missing, misshaped: misshaped, unexpected: unexpected, classes: classes, score: score)
    }

    /// The wrappers a file's names and structure show.
    static func wrappers(_ reader: CheckpointReader, prefix: String) -> [String] {
        var found: [String] = []
        if let torch = reader as? PyTorchReader, !torch.container.isEmpty { found.append("nested dictionary '\(torch.container)'") }
        guard !prefix.isEmpty else { return found }
        let described: [String: String] = [
            "module.": "'module.' (DataParallel / DistributedDataParallel)",
            "model.": "'model.' (a Lightning module or wrapper attribute)",
        ]
        found.append(described[prefix] ?? "prefix '\(prefix)' on every name")
        return found
    }
}
