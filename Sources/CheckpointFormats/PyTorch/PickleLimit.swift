import Foundation

/// How many values a checkpoint's pickle may build. Every opcode costs at most a few bytes and
/// builds a value of about 100 bytes, so a deflated `data.pkl` repeating one opcode (19 KB that
/// inflate to 19 MB) would otherwise build 1.6 GB of objects. A state dict builds about 30 values
/// per tensor; the limit allows 1,048,576 values (for training state and other metadata) plus 256
/// per storage the checkpoint holds, and `ZOO_MAX_PICKLE_VALUES` replaces it. A compressed
/// `data.pkl` (torch stores it uncompressed) may inflate to at most 32 bytes per allowed value.
public struct PickleLimit: Sendable {
    /// The environment variable that sets the limit (a number of values).
    public static let variable = "ZOO_MAX_PICKLE_VALUES"
    public static let base = 1 << 20
    public static let perStorage = 256
    public static let bytesPerValue = 32

    /// The most values the pickles of one file may build.
    public let values: Int
    /// The storages the limit was computed from (nil for a legacy file, whose storages follow).
    let storages: Int?
    /// Whether `values` came from the environment variable.
    let fromEnvironment: Bool

    /// The limit for a checkpoint of `storages` storages, unless the environment sets one.
    init(storages: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.storages = storages
        if let text = environment[Self.variable], let values = Int(text), values > 0 {
            self.values = values
            fromEnvironment = true
        } else {
            let (extra, overflow) = Self.perStorage.multipliedReportingOverflow(by: storages ?? 0)
            values = overflow ? Int.max : Self.base.addingReportingOverflow(extra).partialValue
            fromEnvironment = false
        }
    }

    /// The most bytes a compressed pickle may inflate to.
    public var bytes: Int { values.multipliedReportingOverflow(by: Self.bytesPerValue).overflow ? Int.max : values * Self.bytesPerValue }

    /// Where the limit comes from and how to raise it, for the refusal's message.
    var explanation: String {
        let source = fromEnvironment
            ? "set by \(Self.variable)"
            : "\(Self.base) plus \(Self.perStorage) per storage" + (storages.map { ", for this file's \($0) storages" } ?? "")
        return "zoo's limit is \(values) values (\(source)); a state dict builds about 30 per tensor, so this is not a plausible checkpoint. "
            + "If you trust the file, set \(Self.variable) to a higher number of values (each costs about 100 bytes of memory)"
    }
}
