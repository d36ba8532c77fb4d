import COpenBLAS
import Tensors

/// What LogME needs of the thin SVD F = U·S·Vᵀ: the squared singular values σᵢ = sᵢ² that are
/// kept, and each target column projected on the kept left singular vectors (z = Uᵀt).
///
/// Computed as the eigen-decomposition of the smaller Gram matrix, FFᵀ (N×N) when N ≤ D and FᵀF
/// (D×D) otherwise, in float64 (`dsyrk` + LAPACK `dsyevd`): the same σᵢ and z as the SVD for a
/// fraction of its cost, and what the reference LogME does for N > D. With FᵀF, z = S⁻¹Vᵀ(Fᵀt).
/// An eigenvalue of a Gram matrix carries an absolute error near 1e-16·σ_max, so directions with
/// σᵢ ≤ 1e-10·σ_max are dropped: LogME then counts them as σ = 0 (their part of t goes to the
/// residual r⊥, their eigenvalue to the (D−k)·log α term), which changes the evidence by O(σᵢ/λ).
struct Spectrum {
    /// Kept σᵢ = sᵢ², largest first.
    let sigma: [Double]
    /// z for each target column: `projections[column][i]` = uᵢ·t.
    let projections: [[Double]]
    /// ‖t‖² for each target column.
    let targetNorms: [Double]

    static let relativeCutoff = 1e-10

    /// `targets` is N×C, one target column per LogME fit.
    init(features: FeatureMatrix, targets: FeatureMatrix) throws(LogMEError) {
        self = try BLAS.keepingThreadCount { () throws(LogMEError) in try Spectrum(computing: features, targets: targets) }
    }

    private init(computing features: FeatureMatrix, targets: FeatureMatrix) throws(LogMEError) {
        let n = features.rows, d = features.columns, c = targets.columns
        let size = min(n, d)
        // The Gram matrix, upper triangle in row-major order = lower triangle for LAPACK (column-major).
        var gram = [Double](repeating: 0, count: size * size)
        features.values.withUnsafeBufferPointer { f in
            cblas_dsyrk(CblasRowMajor, CblasUpper, n <= d ? CblasNoTrans : CblasTrans, Int32(size), Int32(n <= d ? d : n),
                        1, f.baseAddress, Int32(d), 0, &gram, Int32(size))
        }
        let eigenvalues = try Self.symmetricEigen(&gram, size: size)
        // LAPACK's column j (column-major) is row j here: eigenvector j is gram[j*size..<(j+1)*size].
        // Its projections: N ≤ D: Uᵀ·T directly; N > D: Vᵀ·(Fᵀ·T), scaled by 1/s below.
        var rotated = [Double](repeating: 0, count: size * c)
        if n <= d {
            targets.values.withUnsafeBufferPointer { t in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(c), Int32(n),
                            1, gram, Int32(size), t.baseAddress, Int32(c), 0, &rotated, Int32(c))
            }
        } else {
            var featureTargets = [Double](repeating: 0, count: d * c)
            features.values.withUnsafeBufferPointer { f in
                targets.values.withUnsafeBufferPointer { t in
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(c), Int32(n),
                                1, f.baseAddress, Int32(d), t.baseAddress, Int32(c), 0, &featureTargets, Int32(c))
                }
            }
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(c), Int32(d),
                        1, gram, Int32(d), featureTargets, Int32(c), 0, &rotated, Int32(c))
        }
        let largest = eigenvalues.last ?? 0
        let kept = (0..<size).reversed().filter { eigenvalues[$0] > Self.relativeCutoff * largest && eigenvalues[$0] > 0 }
        sigma = kept.map { eigenvalues[$0] }
        projections = (0..<c).map { column in
            kept.map { n <= d ? rotated[$0 * c + column] : rotated[$0 * c + column] / eigenvalues[$0].squareRoot() }
        }
        targetNorms = (0..<c).map { column in (0..<n).reduce(0) { $0 + targets.values[$1 * c + column] * targets.values[$1 * c + column] } }
    }

    /// Eigenvalues (ascending) of the symmetric `matrix` (lower triangle, column-major), which is
    /// overwritten by the eigenvectors (column j = eigenvector j).
    private static func symmetricEigen(_ matrix: inout [Double], size: Int) throws(LogMEError) -> [Double] {
        var values = [Double](repeating: 0, count: size)
        var n = Int32(size), lda = Int32(max(size, 1)), info: Int32 = 0
        var workSize = 0.0, iworkSize: Int32 = 0, query: Int32 = -1
        dsyevd_("V", "L", &n, &matrix, &lda, &values, &workSize, &query, &iworkSize, &query, &info, 1, 1)
        guard info == 0 else { throw .decompositionFailed(info: Int(info)) }
        var lwork = Int32(workSize), liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_("V", "L", &n, &matrix, &lda, &values, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else { throw .decompositionFailed(info: Int(info)) }
        return values
    }
}
