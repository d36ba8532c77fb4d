import Architectures
import CheckpointFormats
import Tensors

/// Says which registry model and convention a checkpoint is, from its tensor names and shapes
/// alone: every file name votes for the (layout, wrapper prefix) pairs whose names it ends with
/// (first counting the names whose shapes fit too), and the leading pairs are then scored tensor
/// by tensor.
public enum Identifier {
    /// Every registry model (with its published head, or a 2-way head for encoders) in every
    /// convention that names it; headless too where a convention names the headless model
    /// otherwise than the headed one without its classifier (a KerasHub backbone's layers are at
    /// the root of its file, a KerasHub classifier's under `bert_backbone`) or only headless
    /// (KerasHub's DistilBERT).
    static let layouts: [ConventionLayout] = Registry.models.flatMap { model in
        let graph = model.build(model.publishedClasses ?? 2), bare = model.build(nil)
        return Convention.allCases.flatMap { convention -> [ConventionLayout] in
            let headed = convention.layout(of: model, graph: graph), headless = convention.layout(of: model, graph: bare)
            let names = Set(headed?.tensors.map(\.name) ?? [])
            let covered = headless?.tensors.allSatisfy { names.contains($0.name) } ?? true
            return [headed, covered ? nil : headless].compactMap { $0 }
        }
    }

    /// Convention name → the layouts that use it, with the tensor each one means by it.
    private static let index: [String: [(layout: Int, tensor: MappedTensor)]] = {
        var index: [String: [(layout: Int, tensor: MappedTensor)]] = [:]
        for (position, layout) in layouts.enumerated() {
            for tensor in layout.tensors { index[tensor.name, default: []].append((position, tensor)) }
        }
        return index
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
        // Names whose shapes fit count first: a family's sizes (BERT tiny … large, VGG 11 … 19)
        // share most names, and the generic ones of Keras 3 files (`layers/dense/vars/0`) are
        // shared by every model.
        var votes: [Pair: Votes] = [:]
        for key in order {
            var starts = [key.startIndex]
            for index in key.indices where key[index] == "." || key[index] == "/" { starts.append(key.index(after: index)) }
            let shape = names[key]!.shape.dims
            for start in starts {
                guard let hits = index[String(key[start...])] else { continue }
                let prefix = String(key[..<start])
                for hit in hits where allowed(layouts[hit.layout], model, convention) {
                    votes[Pair(layout: hit.layout, prefix: prefix), default: Votes()].count(fitting: hit.tensor.accepts(shape))
                }
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

    /// The best reading of `reader` (restricted to `model` / `convention` when given), or why there
    /// is none: where `zoo verify`, `zoo convert --to` and `zoo run` start.
    public static func bestReading(
        _ reader: CheckpointReader, model: String? = nil, convention: Convention? = nil
    ) throws -> (identification: Identification, reading: Candidate) {
        if let model, Registry.model(named: model) == nil { throw MappingError.unknownModel(model) }
        let identification = identify(reader, model: model, convention: convention)
        guard let reading = identification.best, !reading.matched.isEmpty else {
            let wanted = [model, convention?.rawValue].compactMap { $0 }.joined(separator: " in ")
            throw MappingError.unidentified(file: reader.path, reason: "no tensor matches \(wanted.isEmpty ? "any registry model" : wanted)")
        }
        return (identification, reading)
    }

    private struct Pair: Hashable {
        let layout: Int
        let prefix: String
    }

    /// A pair's votes: names whose shapes fit, then all names, in that order of importance.
    private struct Votes: Comparable {
        var fitting = 0
        var named = 0

        mutating func count(fitting fits: Bool) {
            named += 1
            if fits { fitting += 1 }
        }

        static func < (a: Votes, b: Votes) -> Bool { (a.fitting, a.named) < (b.fitting, b.named) }
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
            if let axis = tensor.classAxis, found.count == tensor.shape.count { classes = found[axis] }
            if tensor.accepts(found) { matched.append(tensor.name) } else { misshaped.append(.init(name: tensor.name, expected: tensor.shape, found: found)) }
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
