import Tensors

/// A pickle reader that never runs code. It implements the opcodes itself and builds only plain
/// values (numbers, strings, tuples, lists, dicts) plus the few torch objects a checkpoint is made
/// of. Every global is checked against `allowedGlobals` the moment the pickle names it, so a
/// payload such as `os.system` is refused by name and byte offset before anything could use it.
struct Unpickler {
    /// The globals a state dict needs, and nothing else.
    static let allowedGlobals = Set([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.Size",
    ]).union(storageTypes.keys).union(dtypes.keys)

    /// torch's storages and the element type each holds. `UntypedStorage` (bytes) is what torch
    /// saves for dtypes without a typed storage class (uint16/32/64), with the tensor's dtype
    /// passed to `_rebuild_tensor_v3`.
    static let storageTypes: [String: DType] = [
        "torch.DoubleStorage": .f64, "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
        "torch.LongStorage": .i64, "torch.IntStorage": .i32, "torch.ShortStorage": .i16, "torch.CharStorage": .i8,
        "torch.ByteStorage": .u8, "torch.BoolStorage": .bool, "torch.storage.UntypedStorage": .u8,
    ]

    /// torch's dtype objects, as `_rebuild_tensor_v3` receives them.
    static let dtypes: [String: DType] = [
        "torch.float64": .f64, "torch.float32": .f32, "torch.float16": .f16, "torch.bfloat16": .bf16,
        "torch.int64": .i64, "torch.int32": .i32, "torch.int16": .i16, "torch.int8": .i8,
        "torch.uint64": .u64, "torch.uint32": .u32, "torch.uint16": .u16, "torch.uint8": .u8, "torch.bool": .bool,
    ]

    /// The deepest nesting of containers accepted (a state dict needs a few levels; an optimizer's
    /// state a few more). A pickle nested deeper is refused at the opcode that nests it: nesting
    /// costs a byte a level, and a value a million levels deep would be freed by a recursion that
    /// overflows the stack.
    static let maximumDepth = 64

    let bytes: UnsafeRawBufferPointer
    let file: String
    /// Absolute offset of `bytes[0]` in the file, for error messages.
    let base: Int
    /// Resolves a persistent id (torch's storage references) to a value.
    let persistentLoad: (PickleValue, Int) throws -> PickleValue
    /// Where containers are made; the caller clears it when done with the result.
    let arena: PickleArena

    private(set) var position = 0
    /// Where the opcode being executed starts, for stack errors.
    private var opcodeStart = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    init(
        bytes: UnsafeRawBufferPointer, file: String, base: Int, arena: PickleArena,
        persistentLoad: @escaping (PickleValue, Int) throws -> PickleValue
    ) {
        self.arena = arena
        self.bytes = bytes
        self.file = file
        self.base = base
        self.persistentLoad = persistentLoad
    }

    func fail(_ problem: PyTorchProblem, at offset: Int? = nil) -> PyTorchError {
        PyTorchError(file: file, offset: base + (offset ?? position), problem)
    }

    /// Reads one pickle, up to its STOP opcode; `position` is left just after it.
    mutating func load() throws -> PickleValue {
        while true {
            let at = position
            opcodeStart = at
            let opcode = try byte()
            switch opcode {
            case 0x80: _ = try byte()  // PROTO
            case 0x95: _ = try take(8)  // FRAME: framing is only a hint
            case 0x2E:  // STOP
                guard let value = stack.popLast() else { throw fail(.stackUnderflow(opcode: "STOP"), at: at) }
                return value
            case 0x28: marks.append(stack.count)  // MARK
            case 0x29: try push(.tuple([]))
            case 0x5D, 0x8F: try push(.list(arena.list()))  // EMPTY_LIST, EMPTY_SET
            case 0x7D: try push(.dict(arena.dict()))
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))
            case 0x4B: try push(.int(Int(try byte())))
            case 0x4D: try push(.int(Int(try uint(2))))
            case 0x8A: try push(try long(Int(try byte())))
            case 0x8B: try push(try long(try length(4)))
            case 0x47: try push(.float(Double(bitPattern: try bigEndian8())))
            case 0x58: try push(.string(try text(try length(4))))
            case 0x8C: try push(.string(try text(Int(try byte()))))
            case 0x8D: try push(.string(try text(try length(8))))
            case 0x55: try push(.string(try text(Int(try byte()))))  // SHORT_BINSTRING, decoded as Python 3 does
            case 0x54: try push(.string(try text(try length(4))))
            case 0x43: try push(.bytes(Array(try take(Int(try byte())))))
            case 0x42: try push(.bytes(Array(try take(try length(4)))))
            case 0x8E: try push(.bytes(Array(try take(try length(8)))))
            case 0x71: try memoize(Int(try byte()), try top("BINPUT"))
            case 0x72: try memoize(Int(try uint(4)), try top("LONG_BINPUT"))
            case 0x94: try memoize(memo.count, try top("MEMOIZE"))
            case 0x68: try push(try recall(Int(try byte()), at: at))
            case 0x6A: try push(try recall(Int(try uint(4)), at: at))
            case 0x63: try push(try global(try line(), try line(), at: at))  // GLOBAL
            case 0x93:  // STACK_GLOBAL
                let name = try pop("STACK_GLOBAL"), module = try pop("STACK_GLOBAL")
                guard case .string(let n) = name, case .string(let m) = module else { throw fail(.badStructure("STACK_GLOBAL needs two strings"), at: at) }
                try push(try global(m, n, at: at))
            case 0x69:  // INST: names a class to instantiate; refused unless allowed, and never called
                let module = try line(), name = try line()
                _ = try global(module, name, at: at)
                throw fail(.badStructure("INST of \(module).\(name) is not part of a state dict"), at: at)
            case 0x6F, 0x81, 0x92:  // OBJ, NEWOBJ, NEWOBJ_EX: instantiate a class; only allowed globals reach here
                throw fail(.badStructure("object construction (opcode 0x\(String(opcode, radix: 16))) is not part of a state dict"), at: at)
            case 0x82, 0x83, 0x84:
                throw fail(.forbiddenGlobal("copyreg extension registry code"), at: at)
            case 0x52:  // REDUCE
                let arguments = try pop("REDUCE"), callable = try pop("REDUCE")
                try push(try call(callable, arguments, at: at))
            case 0x62:  // BUILD: sets state on an object; zoo's objects take none that matters
                _ = try pop("BUILD")
                _ = try top("BUILD")
            case 0x51: try push(try persistentLoad(try pop("BINPERSID"), at))
            case 0x50: try push(try persistentLoad(.string(try line()), at))
            case 0x73:  // SETITEM
                let value = try pop("SETITEM"), key = try pop("SETITEM")
                let target = try dictionary(try top("SETITEM"), at: at)
                target.append(key: key, value: value)
                try checkDepth(.dict(target))
            case 0x75:  // SETITEMS
                let items = try popMark("SETITEMS", at: at)
                guard items.count % 2 == 0 else { throw fail(.badStructure("SETITEMS with an odd number of items"), at: at) }
                let target = try dictionary(try top("SETITEMS"), at: at)
                for pair in stride(from: 0, to: items.count, by: 2) { target.append(key: items[pair], value: items[pair + 1]) }
                try checkDepth(.dict(target))
            case 0x61:  // APPEND
                let value = try pop("APPEND")
                let target = try list(try top("APPEND"), at: at)
                target.append(value)
                try checkDepth(.list(target))
            case 0x65, 0x90:  // APPENDS, ADDITEMS
                let items = try popMark("APPENDS", at: at)
                let target = try list(try top("APPENDS"), at: at)
                items.forEach(target.append)
                try checkDepth(.list(target))
            case 0x74: try push(.tuple(try popMark("TUPLE", at: at)))
            case 0x91: try push(.tuple(try popMark("FROZENSET", at: at)))
            case 0x85: try push(.tuple([try pop("TUPLE1")]))
            case 0x86:
                let b = try pop("TUPLE2"), a = try pop("TUPLE2")
                try push(.tuple([a, b]))
            case 0x87:
                let c = try pop("TUPLE3"), b = try pop("TUPLE3"), a = try pop("TUPLE3")
                try push(.tuple([a, b, c]))
            case 0x64:  // DICT
                let items = try popMark("DICT", at: at)
                guard items.count % 2 == 0 else { throw fail(.badStructure("DICT with an odd number of items"), at: at) }
                let dict = arena.dict()
                for pair in stride(from: 0, to: items.count, by: 2) { dict.append(key: items[pair], value: items[pair + 1]) }
                try push(.dict(dict))
            case 0x6C:  // LIST
                let list = arena.list()
                try popMark("LIST", at: at).forEach(list.append)
                try push(.list(list))
            case 0x30: _ = try pop("POP")
            case 0x31: _ = try popMark("POP_MARK", at: at)
            case 0x32: try push(try top("DUP"))
            case 0x49:  // INT (text): also True/False as 01/00
                let text = try line()
                if text == "01" { try push(.bool(true)) } else if text == "00" { try push(.bool(false)) } else {
                    guard let value = Int(text) else { throw fail(.badStructure("INT '\(text)' is not a 64-bit integer"), at: at) }
                    try push(.int(value))
                }
            case 0x4C:  // LONG (text)
                let text = try line()
                guard let value = Int(text.hasSuffix("L") ? String(text.dropLast()) : text) else {
                    throw fail(.badStructure("LONG '\(text)' is not a 64-bit integer"), at: at)
                }
                try push(.int(value))
            case 0x46:
                let text = try line()
                guard let value = Double(text) else { throw fail(.badStructure("FLOAT '\(text)'"), at: at) }
                try push(.float(value))
            case 0x53, 0x56:  // STRING (quoted), UNICODE (raw): kept as written
                var text = try line()
                if opcode == 0x53, text.count >= 2, let quote = text.first, quote == "'" || quote == "\"", text.last == quote {
                    text = String(text.dropFirst().dropLast())
                }
                try push(.string(text))
            case 0x70:
                guard let index = Int(try line()) else { throw fail(.badStructure("PUT index"), at: at) }
                try memoize(index, try top("PUT"))
            case 0x67:
                guard let index = Int(try line()) else { throw fail(.badStructure("GET index"), at: at) }
                try push(try recall(index, at: at))
            default:
                throw fail(.unknownOpcode(opcode), at: at)
            }
        }
    }

    // MARK: Reading bytes

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail(.truncated("the pickle ends without STOP")) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw fail(.truncated("needs \(count) more bytes, \(bytes.count - position) left"))
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    private mutating func uint(_ width: Int) throws -> UInt64 {
        try take(width).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A length field, which must fit in what is left of the pickle.
    private mutating func length(_ width: Int) throws -> Int {
        let value = try uint(width)
        guard value <= UInt64(bytes.count - position) else {
            throw fail(.truncated("a length of \(value) runs past the end of the pickle"))
        }
        return Int(value)
    }

    private mutating func bigEndian8() throws -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }

    private mutating func text(_ count: Int) throws -> String {
        let raw = try take(count)
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail(.badStructure("a string is not valid UTF-8")) }
        return text
    }

    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail(.truncated("a text argument has no newline")) }
        defer { position = end + 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
    }

    /// LONG1 / LONG4: little-endian two's complement.
    private mutating func long(_ count: Int) throws -> PickleValue {
        let raw = Array(try take(count))
        guard count <= 8 else { return .bigInt(raw) }
        guard let last = raw.last else { return .int(0) }
        var value = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if last & 0x80 != 0 && count < 8 { value |= ~0 << UInt64(8 * count) }  // sign-extend
        return .int(Int(bitPattern: UInt(value)))
    }

    // MARK: The stack

    /// Every value pushed is counted against the arena's limit, so a pickle repeating one cheap
    /// opcode is refused before it exhausts memory, and refused past `maximumDepth`, at the opcode
    /// that nested it.
    private mutating func push(_ value: PickleValue) throws {
        guard arena.count() else { throw fail(.tooManyValues(arena.limit.explanation), at: opcodeStart) }
        try checkDepth(value)
        stack.append(value)
    }

    private mutating func memoize(_ index: Int, _ value: PickleValue) throws {
        guard arena.count() else { throw fail(.tooManyValues(arena.limit.explanation), at: opcodeStart) }
        memo[index] = value
    }

    private mutating func pop(_ opcode: String) throws -> PickleValue {
        // Never below the innermost mark: what lies under it belongs to an enclosing construct.
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw fail(.stackUnderflow(opcode: opcode), at: opcodeStart)
        }
        return value
    }


    /// Refuses a value nested deeper than `maximumDepth`, at the opcode that nested it.
    private func checkDepth(_ value: PickleValue) throws {
        guard value.depth <= Self.maximumDepth else { throw fail(.tooDeep(limit: Self.maximumDepth), at: opcodeStart) }
    }

    private func top(_ opcode: String) throws -> PickleValue {
        guard let value = stack.last else { throw fail(.stackUnderflow(opcode: opcode), at: opcodeStart) }
        return value
    }

    private mutating func popMark(_ opcode: String, at: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail(.stackUnderflow(opcode: opcode), at: at) }
        defer { stack.removeLast(stack.count - mark) }
        return Array(stack[mark...])
    }

    private func recall(_ index: Int, at: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw fail(.badMemo(index), at: at) }
        return value
    }

    private func dictionary(_ value: PickleValue, at: Int) throws -> PickleDict {
        guard case .dict(let dict) = value else { throw fail(.badStructure("SETITEM on a \(value.kind)"), at: at) }
        return dict
    }

    private func list(_ value: PickleValue, at: Int) throws -> PickleList {
        guard case .list(let list) = value else { throw fail(.badStructure("APPEND on a \(value.kind)"), at: at) }
        return list
    }

    // MARK: Globals and calls

    /// The allow-list check: any other name is refused here, before it can be used.
    private func global(_ module: String, _ name: String, at: Int) throws -> PickleValue {
        let qualified = "\(module).\(name)"
        guard Self.allowedGlobals.contains(qualified) else { throw fail(.forbiddenGlobal(qualified), at: at) }
        return .global(qualified)
    }

    /// The effect of calling an allowed global, computed by zoo rather than by running it.
    private func call(_ callable: PickleValue, _ arguments: PickleValue, at: Int) throws -> PickleValue {
        guard case .global(let name) = callable, case .tuple(let args, _) = arguments else {
            throw fail(.badStructure("REDUCE of a \(callable.kind) with \(arguments.kind)"), at: at)
        }
        switch name {
        case "collections.OrderedDict":
            let dict = arena.dict()
            if case .list(let pairs)? = args.first {
                for pair in pairs.items {
                    guard case .tuple(let kv, _) = pair, kv.count == 2 else { throw fail(.badStructure("OrderedDict item is not a pair"), at: at) }
                    dict.append(key: kv[0], value: kv[1])
                }
            }
            return .dict(dict)
        case "torch.Size":
            guard case .tuple? = args.first else { throw fail(.badStructure("torch.Size of a non-tuple"), at: at) }
            return args[0]
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard case .tensor? = args.first else { throw fail(.badStructure("\(name) of a non-tensor"), at: at) }
            return args[0]
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3":
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                case .tuple(let size, _) = args[2], case .tuple(let stride, _) = args[3]
            else { throw fail(.badStructure("\(name) arguments are not (storage, offset, size, stride, …)"), at: at) }
            // v3 (storage, offset, size, stride, requires_grad, hooks, dtype, …) names the dtype itself.
            var dtype = storage.dtype
            if name.hasSuffix("v3") {
                guard args.count >= 7, case .global(let dtypeName) = args[6], let named = Self.dtypes[dtypeName] else {
                    throw fail(.badStructure("_rebuild_tensor_v3 without a dtype as its 7th argument"), at: at)
                }
                dtype = named
            }
            let shape = try size.map { value -> Int in
                guard case .int(let dim) = value else { throw fail(.badShape("a size is \(value.kind)"), at: at) }
                return dim
            }
            let strides = try stride.map { value -> Int in
                guard case .int(let step) = value else { throw fail(.badShape("a stride is \(value.kind)"), at: at) }
                return step
            }
            return .tensor(TensorReference(storage: storage, dtype: dtype, offset: offset, shape: shape, strides: strides))
        default:
            throw fail(.badStructure("\(name) cannot be called"), at: at)
        }
    }
}
