// Fortran LAPACK/BLAS entry points as exported by Debian's reference liblapack3 / libblas3 (LP64).
// Every argument is passed by reference; each CHARACTER argument adds a trailing hidden size_t length
// (gfortran >= 8 ABI). Not API: only Sources/CARKinetics/Fitting/LAPACK may import this module.
#ifndef CARKINETICS_CLAPACK_H
#define CARKINETICS_CLAPACK_H

#include <stddef.h>

typedef int lapack_int;

// QR with column pivoting, A*P = Q*R.
void dgeqp3_(const lapack_int *m, const lapack_int *n, double *a, const lapack_int *lda,
             lapack_int *jpvt, double *tau, double *work, const lapack_int *lwork, lapack_int *info);

// QR without pivoting.
void dgeqrf_(const lapack_int *m, const lapack_int *n, double *a, const lapack_int *lda,
             double *tau, double *work, const lapack_int *lwork, lapack_int *info);

// Multiply by Q or Q^T from a QR factorisation.
void dormqr_(const char *side, const char *trans, const lapack_int *m, const lapack_int *n,
             const lapack_int *k, const double *a, const lapack_int *lda, const double *tau,
             double *c, const lapack_int *ldc, double *work, const lapack_int *lwork, lapack_int *info,
             size_t side_len, size_t trans_len);

// Triangular solve with multiple right-hand sides.
void dtrtrs_(const char *uplo, const char *trans, const char *diag, const lapack_int *n,
             const lapack_int *nrhs, const double *a, const lapack_int *lda, double *b,
             const lapack_int *ldb, lapack_int *info, size_t uplo_len, size_t trans_len, size_t diag_len);

// Inverse of a triangular matrix.
void dtrtri_(const char *uplo, const char *diag, const lapack_int *n, double *a, const lapack_int *lda,
             lapack_int *info, size_t uplo_len, size_t diag_len);

// Singular value decomposition (divide and conquer).
void dgesdd_(const char *jobz, const lapack_int *m, const lapack_int *n, double *a, const lapack_int *lda,
             double *s, double *u, const lapack_int *ldu, double *vt, const lapack_int *ldvt,
             double *work, const lapack_int *lwork, lapack_int *iwork, lapack_int *info, size_t jobz_len);

// Cholesky factorisation and inverse from it.
void dpotrf_(const char *uplo, const lapack_int *n, double *a, const lapack_int *lda, lapack_int *info,
             size_t uplo_len);
void dpotri_(const char *uplo, const lapack_int *n, double *a, const lapack_int *lda, lapack_int *info,
             size_t uplo_len);

#endif
