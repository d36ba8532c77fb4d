import Architectures
import CheckpointFormats
import Foundation

/// Everything a trainer or exporter needs to run a fine-tune without asking again (base model,
/// checkpoint, preprocessing, head, freeze depth, optimizer, schedule, regularisation, seeds),
/// plus why (reasons with their evidence), what else was considered (alternatives), what it should
/// cost and give (estimates), and the request it answers. Stored as `plan.json`, schema
/// `zoo.plan/1`, documented field by field in docs/plan-schema.md.
public struct FineTunePlan: Codable, Equatable, Sendable {
    /// The schema this version of zoo writes and reads.
    public static let currentSchema = "zoo.plan/1"

    public var schema: String
    public var model: BaseModel
    public var preprocessing: InputPreprocessing
    public var head: Head
    public var freeze: Freeze
    public var optimizer: OptimizerSettings
    public var schedule: Schedule
    /// Examples per optimizer step.
    public var batchSize: Int
    public var regularisation: Regularisation
    public var earlyStopping: EarlyStopping?
    /// One training run per seed; several where fine-tuning is known to be unstable.
    public var seeds: [UInt64]
    /// Whether to compute the frozen prefix's features once and train the rest on the cache.
    public var cacheFeatures: Bool
    public var reasons: [Reason]
    public var alternatives: [Alternative]
    public var estimates: Estimates
    public var warnings: [String]
    public var profile: TaskProfile
    public var budget: ComputeBudget
    public var preferences: Preferences

    /// Checks what a trainer relies on: the model is in the registry, the freeze groups are its
    /// groups in order with the frozen ones first, the head matches the task, the numbers are in range.
    public func validate(models: [RegisteredModel] = Registry.models) throws(ProfileError) {
        guard schema == Self.currentSchema else { throw ProfileError("schema", "'\(schema)' is not \(Self.currentSchema)") }
        guard let registered = models.first(where: { $0.name == model.name }) else {
            throw ProfileError("model.name", "'\(model.name)' is not a registry model\(Preferences.suggestion(for: model.name, among: models.map(\.name)))")
        }
        guard registered.family == model.family else {
            throw ProfileError("model.family", "'\(model.name)' is in family '\(registered.family)', not '\(model.family)'")
        }
        let groups = registered.graph.freezeGroups.map(\.description)
        guard freeze.frozen + freeze.trainable == groups else {
            throw ProfileError("freeze", "frozen + trainable must list \(model.name)'s groups in order, frozen first: \(groups.joined(separator: ", "))")
        }
        guard head.classes == profile.classes, head.kind == profile.kind else {
            throw ProfileError("head", "a \(head.kind.rawValue) head with \(head.classes) outputs does not fit the profile's \(profile.kind.rawValue) task with \(profile.classes)")
        }
        guard batchSize >= 1 else { throw ProfileError("batch_size", "must be at least 1, got \(batchSize)") }
        guard !seeds.isEmpty else { throw ProfileError("seeds", "at least one seed is needed") }
        try optimizer.validate()
        try schedule.validate()
        try profile.validate()
        try preferences.validate(models: models)
    }

    /// The plan as pretty-printed JSON with sorted snake_case keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// Writes the plan atomically (a temporary file beside `path`, renamed into place).
    public func write(to path: String) throws {
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
        guard let data = FileManager.default.contents(atPath: path) else { throw ProfileError(path, "cannot be read") }
        do { try self.init(json: data) } catch { throw ProfileError("\(path): \(error.field)", error.reason) }
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
