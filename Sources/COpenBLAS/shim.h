#include <cblas.h>

// OpenBLAS ships LAPACK, but Debian's libopenblas-dev has no lapacke.h: the few Fortran routines
// zoo calls are declared here (gfortran ABI: every argument by pointer, a hidden length per
// character argument at the end).
#include <stddef.h>

/// Eigenvalues (ascending) and, with jobz "V", eigenvectors of a symmetric matrix (divide and conquer).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);
