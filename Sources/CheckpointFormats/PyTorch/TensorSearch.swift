/// Finds every tensor in an unpickled object, with the key path that leads to it, visiting each
/// container once. A pickle's memo lets one object appear many times: a 2 KB pickle whose every
/// level holds the one below twice has 2^40 paths, so a walk by path never ends; this walk is
/// linear in the distinct objects. A container met again is skipped, so its tensors keep the name
/// of the first path that reached them (`hiddenPaths` counts the other paths that held tensors).
struct TensorSearch {
    let file: String
    private(set) var found: [(path: [String], reference: TensorReference)] = []
    /// How many paths led to a container already visited that holds tensors.
    private(set) var hiddenPaths = 0
    /// Each container visited, with the number of tensors found under it.
    private var visited: [UnsafeRawPointer: Int] = [:]

    init(file: String) { self.file = file }

    mutating func collect(_ value: PickleValue, path: [String], depth: Int) throws {
        // The unpickler bounds nesting as it builds; a list deepened after it was nested ends here.
        guard depth <= Unpickler.maximumDepth else { throw PyTorchError(file: file, .tooDeep(limit: Unpickler.maximumDepth)) }
        switch value {
        case .tensor(let reference): found.append((path, reference))
        case .dict(let dict):
            try visit(UnsafeRawPointer(Unmanaged.passUnretained(dict).toOpaque())) {
                for (key, item) in dict.entries {
                    let name: String
                    switch key {
                    case .string(let text): name = text
                    case .int(let number): name = String(number)
                    default: continue
                    }
                    try $0.collect(item, path: path + [name], depth: depth + 1)
                }
            }
        case .list(let list):
            try visit(UnsafeRawPointer(Unmanaged.passUnretained(list).toOpaque())) {
                for (index, item) in list.items.enumerated() { try $0.collect(item, path: path + [String(index)], depth: depth + 1) }
            }
        case .tuple(let items, _):
            // Tuples are arrays, not objects: their element buffer is their identity (a memo or DUP
            // hands out the same buffer; distinct tuples alive at once never share one).
            guard !items.isEmpty, let buffer = items.withUnsafeBufferPointer({ $0.baseAddress.map(UnsafeRawPointer.init) }) else { return }
            try visit(buffer) {
                for (index, item) in items.enumerated() { try $0.collect(item, path: path + [String(index)], depth: depth + 1) }
            }
        default: break
        }
    }

    /// Runs `body` the first time `identity` is met; after that, only counts the visit.
    private mutating func visit(_ identity: UnsafeRawPointer, _ body: (inout TensorSearch) throws -> Void) throws {
        if let tensors = visited[identity] {
            if tensors > 0 { hiddenPaths += 1 }
            return
        }
        visited[identity] = 0
        let before = found.count
        try body(&self)
        visited[identity] = found.count - before
    }
}
