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
    case tuple([PickleValue])
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
}

/// Every list and dict an unpickler builds, so they can be emptied when the reader is done: a
/// pickle can make a container hold itself (DUP + SETITEM), a cycle reference counting never frees.
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
        lists.forEach { $0.items = [] }
        dicts.forEach { $0.entries = [] }
        lists = []
        dicts = []
    }
}

final class PickleList {
    var items: [PickleValue] = []
}

final class PickleDict {
    var entries: [(key: PickleValue, value: PickleValue)] = []
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
