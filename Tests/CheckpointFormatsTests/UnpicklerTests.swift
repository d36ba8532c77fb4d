@testable import CheckpointFormats
import Testing

/// The restricted unpickler on hand-assembled pickles: what it builds, and what it refuses.
@Suite struct UnpicklerTests {
    func load(_ bytes: [UInt8]) throws -> PickleValue {
        try bytes.withUnsafeBytes { raw in
            var unpickler = Unpickler(bytes: raw, file: "memory", base: 0, arena: PickleArena()) { _, at in
                throw PyTorchError(file: "memory", offset: at, .badStructure("no persistent ids here"))
            }
            return try unpickler.load()
        }
    }

    func problem(_ bytes: [UInt8]) -> (String, Int?)? {
        do {
            _ = try load(bytes)
            return nil
        } catch let error as PyTorchError {
            return ("\(error.problem)", error.offset)
        } catch {
            return ("untyped \(error)", nil)
        }
    }

    static func text(_ string: String) -> [UInt8] { Array(string.utf8) }

    @Test func buildsDictsListsTuplesAndScalars() throws {
        // {'a': [1, -2, 3.5], 'b': ('x', True, None), 'big': 2**70}
        var pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x28]
        pickle += [0x8C, 1] + Self.text("a") + [0x5D, 0x28, 0x4B, 1, 0x4A] + [0xFE, 0xFF, 0xFF, 0xFF] + [0x47, 0x40, 0x0C, 0, 0, 0, 0, 0, 0, 0x65]
        pickle += [0x8C, 1] + Self.text("b") + [0x8C, 1] + Self.text("x") + [0x88, 0x4E, 0x87]
        pickle += [0x8C, 3] + Self.text("big") + [0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40]
        pickle += [0x75, 0x2E]
        guard case .dict(let dict) = try load(pickle) else { Issue.record("not a dict"); return }
        #expect(dict.entries.count == 3)
        guard case .list(let list) = dict.entries[0].value else { Issue.record("'a' is not a list"); return }
        guard case .int(1) = list.items[0], case .int(-2) = list.items[1], case .float(3.5) = list.items[2] else {
            Issue.record("wrong list items \(list.items.map(\.kind))")
            return
        }
        guard case .tuple(let items, _) = dict.entries[1].value, items.count == 3, case .string("x") = items[0], case .bool(true) = items[1] else {
            Issue.record("wrong tuple")
            return
        }
        guard case .bigInt(let bytes) = dict.entries[2].value else { Issue.record("2**70 is not a big int"); return }
        #expect(bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0x40])
    }

    @Test(arguments: [
        // GLOBAL os.system then REDUCE: refused when named, at the GLOBAL opcode (offset 2).
        ([0x80, 0x02, 0x63] + text("os\nsystem\n") + [0x8C, 4] + text("true") + [0x85, 0x52, 0x2E], "os.system", 2),
        // STACK_GLOBAL builtins.eval.
        ([0x80, 0x04, 0x8C, 8] + text("builtins") + [0x8C, 4] + text("eval") + [0x93, 0x2E], "builtins.eval", 18),
        // INST subprocess.Popen.
        ([0x80, 0x02, 0x28, 0x69] + text("subprocess\nPopen\n") + [0x2E], "subprocess.Popen", 3),
        // An allowed module with a forbidden name.
        ([0x80, 0x02, 0x63] + text("torch._utils\n_load_from_bytes\n") + [0x2E], "torch._utils._load_from_bytes", 2),
    ])
    func refusesGlobalsOutsideTheAllowList(_ pickle: [UInt8], _ name: String, _ offset: Int) {
        let result = problem(pickle)
        #expect(result?.0.contains("refused to load global '\(name)'") == true, "\(String(describing: result))")
        #expect(result?.1 == offset)
    }

    @Test(arguments: [
        ([0x80, 0x02, 0x30, 0x2E], "stack underflow at POP"),
        ([0x80, 0x02, 0x68, 7, 0x2E], "memo has no entry 7"),
        ([0x80, 0x02, 0x2E], "stack underflow at STOP"),
        ([0x80, 0x02, 0xFF], "unknown pickle opcode 0xff"),
        ([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F], "runs past the end"),
        ([0x80, 0x02, 0x4E], "ends without STOP"),
        ([0x80, 0x02, 0x28, 0x4B, 1, 0x61, 0x2E], "stack underflow"),  // APPEND may not reach under a MARK
    ])
    func malformedPicklesGiveTypedErrors(_ pickle: [UInt8], _ message: String) {
        let result = problem(pickle)
        #expect(result?.0.contains(message) == true, "\(String(describing: result))")
    }

    /// d = {}; d['a'] = d — a cycle reference counting alone never frees; clearing the arena does.
    @Test func selfReferencingContainersAreFreedByTheArena() throws {
        let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0, 0x8C, 1, 0x61, 0x68, 0, 0x73, 0x2E]
        let arena = PickleArena()
        weak var freed: PickleDict?
        try pickle.withUnsafeBytes { raw in
            var unpickler = Unpickler(bytes: raw, file: "memory", base: 0, arena: arena) { _, _ in .none }
            guard case .dict(let dict) = try unpickler.load() else { Issue.record("not a dict"); return }
            guard case .dict(let inner) = dict.entries[0].value else { Issue.record("no self reference"); return }
            #expect(inner === dict)
            freed = dict
        }
        #expect(freed != nil)
        arena.clear()
        #expect(freed == nil)
    }
}
