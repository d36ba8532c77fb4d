import Tensors

/// A value the restricted unpickler can build. Lists and dicts are references because pickle
/// mutates them after they are memoised.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits, as its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// The items, and how many containers deep the tuple is (its own level included).
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    /// An allowed global, not yet called.
    case global(String)
    case storage(StorageReference)
    case tensor(TensorReference)
    case mark

    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .global(let name): name
        case .storage: "storage"
        case .tensor: "tensor"
        case .mark: "mark"
        }
    }

    /// How many containers deep the value is: 0 for a scalar, 1 + the deepest item for a
    /// container. Exact for tuples (immutable); for lists and dicts, as deep as they were when last
    /// appended to (a container appended to after it was nested does not deepen its parents: those
    /// are bounded by `PyTorchReader.collect`'s walk, and freed by the arena without recursion).
    var depth: Int {
        switch self {
        case .tuple(_, let depth): depth
        case .list(let list): list.depth
        case .dict(let dict): dict.depth
        default: 0
        }
    }

    /// A tuple of `items`, with its depth.
    static func tuple(_ items: [PickleValue]) -> PickleValue {
        .tuple(items, depth: 1 + (items.map(\.depth).max() ?? 0))
    }
}

/// Every list and dict an unpickler builds, so they can be emptied when the reader is done: a
/// pickle can make a container hold itself (DUP + SETITEM), a cycle reference counting never frees,
/// and a chain of containers a million deep would be freed by a recursion a million calls deep
/// (a stack overflow); emptied from here, each container is freed on its own. Whoever makes an
/// arena clears it when done with the values (they are emptied then).
/// It also counts the values its unpicklers build, against `limit`, across all the pickles of a file.
final class PickleArena {
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []
    /// Set before unpickling, once the storages are known (a legacy file's limit counts none).
    var limit = PickleLimit(storages: nil)
    private(set) var built = 0

    /// Counts one value built (or held once more, in the memo); false once over the limit.
    func count() -> Bool {
        built += 1
        return built <= limit.values
    }

    func list() -> PickleList {
        let list = PickleList()
        lists.append(list)
        return list
    }

    func dict() -> PickleDict {
        let dict = PickleDict()
        dicts.append(dict)
        return dict
    }

    /// Breaks every cycle by emptying every container.
    func clear() {
        lists.forEach { $0.removeAll() }
        dicts.forEach { $0.removeAll() }
        lists = []
        dicts = []
    }
}

final class PickleList {
    private(set) var items: [PickleValue] = []
    /// See `PickleValue.depth`.
    private(set) var depth = 1

    func append(_ item: PickleValue) {
        items.append(item)
        depth = max(depth, item.depth + 1)
    }

    /// Empties the list (the arena breaking cycles).
    func removeAll() { items = [] }
}

final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    /// See `PickleValue.depth`.
    private(set) var depth = 1

    func append(key: PickleValue, value: PickleValue) {
        entries.append((key, value))
        depth = max(depth, key.depth + 1, value.depth + 1)
    }

    /// Empties the dict (the arena breaking cycles).
    func removeAll() { entries = [] }
}

/// A storage a checkpoint refers to: its key, element type and element count.
struct StorageReference: Sendable {
    let key: String
    let dtype: DType
    let count: Int
}

/// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` (or v3, which adds the
/// dtype): a strided view whose offset and strides count elements of `dtype`.
struct TensorReference: Sendable {
    let storage: StorageReference
    let dtype: DType
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}
