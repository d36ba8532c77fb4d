/// How fast a device runs each `OperationKind`: multiply-accumulates per second for the compute
/// kinds, elements written per second for the memory-bound kind.
public struct Throughput: Sendable, Codable, Equatable {
    public var convolution: Double
    public var depthwiseConvolution: Double
    public var linear: Double
    public var attention: Double
    public var memoryBound: Double

    public init(convolution: Double, depthwiseConvolution: Double, linear: Double, attention: Double, memoryBound: Double) {
        self.convolution = convolution
        self.depthwiseConvolution = depthwiseConvolution
        self.linear = linear
        self.attention = attention
        self.memoryBound = memoryBound
    }

    /// The speed for `kind`, in `kind.unit`.
    public subscript(kind: OperationKind) -> Double {
        switch kind {
        case .convolution: convolution
        case .depthwiseConvolution: depthwiseConvolution
        case .linear: linear
        case .attention: attention
        case .memoryBound: memoryBound
        }
    }

    /// Seconds for `work` of `kind` (multiply-accumulates or elements, as `kind.unit` says).
    public func seconds(_ kind: OperationKind, work: Double) -> Double { work / self[kind] }

    enum CodingKeys: String, CodingKey {
        case convolution, depthwiseConvolution = "depthwise_convolution", linear, attention, memoryBound = "memory_bound"
    }
}
