/// What fine-tuning may use: a device, a wall-clock limit and optionally a memory limit. Written
/// `DEVICE:DURATION` as in `cpu:2h`, `gpu:a100:30m` or `4xgpu:a100:8h`, with memory apart ("16GB").
public struct ComputeBudget: Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Device: Equatable, Sendable, TextCodable {
        /// This machine's CPU (the one the cost model was calibrated on).
        case cpu
        /// `count` GPUs of a class named like "a100", "h100", "t4", "rtx4090".
        case gpu(String, count: Int)

        public init?(_ text: String) {
            let lowered = text.lowercased()
            if lowered == "cpu" { self = .cpu; return }
            var count = 1, rest = Substring(lowered)
            if let x = rest.firstIndex(of: "x"), let n = Int(rest[..<x]) {
                count = n
                rest = rest[rest.index(after: x)...]
            }
            guard rest.hasPrefix("gpu:"), count >= 1 else { return nil }
            let name = String(rest.dropFirst(4))
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
            self = .gpu(name, count: count)
        }

        public var description: String {
            switch self {
            case .cpu: "cpu"
            case let .gpu(name, count): count == 1 ? "gpu:\(name)" : "\(count)xgpu:\(name)"
            }
        }

        public static let accepted = "cpu, gpu:CLASS or NxGPU:CLASS"
    }

    public var device: Device
    public var wallClockSeconds: Double
    public var memoryBytes: Int?

    public init(device: Device, wallClockSeconds: Double, memoryBytes: Int? = nil) {
        self.device = device
        self.wallClockSeconds = wallClockSeconds
        self.memoryBytes = memoryBytes
    }

    /// `DEVICE:DURATION` with the duration in seconds, as `init(parsing:)` reads it back.
    public var description: String {
        let seconds = wallClockSeconds == wallClockSeconds.rounded() ? String(Int(wallClockSeconds)) : String(wallClockSeconds)
        return "\(device):\(seconds)s"
    }

    /// Parses `DEVICE:DURATION`; the error says which part is wrong.
    public init(parsing text: String, memory: String? = nil) throws(ProfileError) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ProfileError("budget", "'\(text)' is not DEVICE:DURATION (for example cpu:2h, gpu:a100:30m, 4xgpu:a100:8h)")
        }
        guard let device = Device(String(text[..<colon])) else {
            throw ProfileError("budget", "'\(text[..<colon])' is not a device (cpu, gpu:CLASS or NxGPU:CLASS, for example gpu:a100)")
        }
        guard let seconds = Quantities.seconds(String(text[text.index(after: colon)...])) else {
            throw ProfileError("budget", "'\(text[text.index(after: colon)...])' is not a duration (for example 90s, 30m, 2h, 1h30m, 1d)")
        }
        var memoryBytes: Int?
        if let memory {
            guard let bytes = Quantities.bytes(memory) else {
                throw ProfileError("memory", "'\(memory)' is not a memory size (for example 512MB, 16GB, 16GiB)")
            }
            memoryBytes = bytes
        }
        self.init(device: device, wallClockSeconds: seconds, memoryBytes: memoryBytes)
    }
}
