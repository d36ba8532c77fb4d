import CheckpointFormats
import Testing

@Suite struct JSONTests {
    func parse(_ text: String) throws -> JSON {
        try Array(text.utf8).withUnsafeBytes { try JSON.parse($0) }
    }

    @Test func parsesValuesKeepingKeyOrderAndNumberText() throws {
        let value = try parse(#" {"b": [1, -2.5e3, true, null], "a": "x\u00e9\ud83d\ude00\n"} "#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a"])
        #expect(members[0].value == .array([.number("1"), .number("-2.5e3"), .bool(true), .null]))
        #expect(members[1].value == .string("xé😀\n"))
        #expect(JSON.number("42").nonNegativeInt == 42)
        #expect(JSON.number("4.0").nonNegativeInt == nil)
        #expect(JSON.number("-1").nonNegativeInt == nil)
        #expect(JSON.number("99999999999999999999").nonNegativeInt == nil)
    }

    @Test(arguments: [
        ("{\"a\":1,}", 7), ("[1 2]", 3), ("{\"a\" 1}", 5), ("\"abc", 4), ("01", 1), ("{\"a\":tru}", 5),
        ("\"\\ud800\"", 7), ("\"\u{01}\"", 1), ("[1] x", 4), ("", 0),
    ])
    func reportsTheByteOffsetOfSyntaxErrors(_ text: String, _ offset: Int) {
        #expect { try parse(text) } throws: { ($0 as! JSONError).offset == offset }
    }

    @Test func boundsNestingDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect { try parse(deep) } throws: { ($0 as! JSONError).message.contains("nesting") }
    }

    @Test func serialisesWhatItParses() throws {
        let text = #"{"k":["a\"b",1,false,null,{}],"é":"\n"}"#
        #expect(try parse(text).serialized == text)
    }
}
