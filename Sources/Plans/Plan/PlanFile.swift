import CheckpointFormats
import Foundation
import Tensors

/// `plan.json`: sorted, pretty-printed, snake_case JSON, written atomically and read strictly
/// (the schema version first, then every field, then `validate()`).
extension FineTunePlan {
    /// The plan as pretty-printed JSON with sorted snake_case keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// Validates the plan, then writes it atomically (a temporary file beside `path`, renamed into
    /// place), so that no plan a trainer could not follow is ever written.
    public func write(to path: String) throws {
        try validate()
        try AtomicFile.write(Array(try json()) + [0x0A], to: path)
    }

    /// Decodes and validates a plan; refuses any schema but `currentSchema` before reading the rest.
    public init(json data: Data) throws(ProfileError) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct SchemaOnly: Decodable { let schema: String? }
        guard let probe = try? decoder.decode(SchemaOnly.self, from: data) else { throw ProfileError("plan", "not a JSON object") }
        guard let schema = probe.schema else { throw ProfileError("schema", "missing: a plan starts with \"schema\": \"\(Self.currentSchema)\"") }
        guard schema == Self.currentSchema else {
            throw ProfileError("schema", "'\(schema)' is not supported: this zoo reads \(Self.currentSchema) (a plan from another zoo version; make it again with zoo advise)")
        }
        do {
            self = try decoder.decode(Self.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ProfileError(Self.path(context.codingPath + [key]), "missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context) {
            throw ProfileError(Self.path(context.codingPath), context.debugDescription)
        } catch {
            throw ProfileError("plan", "\(error)")
        }
        try validate()
    }

    /// Reads and validates `plan.json`.
    public init(path: String) throws(ProfileError) {
        let data: Data
        do { data = Data(try RegularFile.read(path)) } catch { throw ProfileError(path, "cannot be read: \(error.message)", isBadInput: true) }
        do { try self.init(json: data) } catch { throw ProfileError("\(path): \(error.field)", error.reason, isBadInput: true) }
    }

    /// A coding path as the JSON spells it: `optimizer.head_learning_rate`, `reasons[2].text`.
    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("") { path, key in
            if let index = key.intValue { return path + "[\(index)]" }
            let snake = key.stringValue.reduce(into: "") { $0 += $1.isUppercase ? "_" + $1.lowercased() : String($1) }
            return path.isEmpty ? snake : path + "." + snake
        }
    }
}
