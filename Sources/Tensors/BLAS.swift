import COpenBLAS

/// Thin, typed wrappers over OpenBLAS: every matrix product in zoo goes through here.
public enum BLAS {
    /// C = alpha·op(A)·op(B) + beta·C for row-major single-precision matrices, where op(A) is m×k
    /// and op(B) is k×n.
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension BLAS {
    /// OpenBLAS's own thread count. The engine sets it to 1 and splits work itself, so that
    /// two pools of threads never compete for the same cores.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
