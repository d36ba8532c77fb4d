@testable import Advisor

/// The test problems of shared/ADVISOR-EVIDENCE.md §2: features from the LCG
/// x ← (1103515245x + 12345) mod 2³¹ seeded with 12345 (entry = the updated x / 2³¹, row by row),
/// labels i mod 3, and +1 added to column 0 in class-0 rows and to column 1 in class-1 rows.
enum EvidenceVectors {
    static func features(rows: Int, columns: Int, offsets: Bool = true) -> FeatureMatrix {
        var x: UInt64 = 12345
        var values = [Double]()
        for _ in 0..<(rows * columns) {
            x = (1_103_515_245 &* x &+ 12345) % (1 << 31)
            values.append(Double(x) / Double(1 << 31))
        }
        if offsets {
            for row in 0..<rows where row % 3 < 2 { values[row * columns + row % 3] += 1 }
        }
        return FeatureMatrix(rows: rows, columns: columns, values: values)
    }

    static func labels(_ rows: Int) -> [Int] { (0..<rows).map { $0 % 3 } }

    /// ε = 0, tolerance 1e-10: the fixed point run to convergence, as the evidence file's values were computed.
    static let converged = LogME.Options(tolerance: 1e-10, maxIterations: 10_000, epsilon: 0)
}
