import CLAPACK

extension LAPACK {
    /// Solves `T·X = B` or `Tᵀ·X = B` for the `order × order` triangular `T` stored in `a` (LAPACK `dtrtrs`);
    /// `B` (`order × rightHandSides`) is overwritten by `X`. No allocation.
    /// - Throws: ``LAPACKError/routineFailure(routine:info:meaning:)`` when a diagonal entry of `T` is
    ///   exactly zero (`info` is its 1-based index); callers that need a rank decision must make it
    ///   beforehand with an explicit tolerance.
    package static func trtrs(
        triangle: Triangle, transpose: Transpose, diagonal: Diagonal = .nonUnit, order n: Int, rightHandSides nrhs: Int,
        a: UnsafeBufferPointer<Double>, leadingDimension: Int,
        b: UnsafeMutableBufferPointer<Double>, leadingDimensionB: Int
    ) throws(LAPACKError) {
        let routine = "DTRTRS"
        try lapackRequire(nrhs >= 0, routine, "NRHS = \(nrhs) is negative")
        try lapackRequireMatrix(a.count, rows: n, columns: n, lda: leadingDimension, routine, "A")
        try lapackRequireMatrix(b.count, rows: n, columns: nrhs, lda: leadingDimensionB, routine, "B")
        if n == 0 || nrhs == 0 { return }
        guard let aBase = a.baseAddress else { throw .invalidDimensions(routine: routine, reason: "A is empty") }
        var uplo = triangle.code
        var trans = transpose.code
        var diag = diagonal.code
        var nn = try lapackInt(n, routine, "N")
        var nr = try lapackInt(nrhs, routine, "NRHS")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var ldb = try lapackInt(leadingDimensionB, routine, "LDB")
        var info: Int32 = 0
        dtrtrs_(&uplo, &trans, &diag, &nn, &nr, aBase, &lda, try lapackBase(b, routine, "B"), &ldb, &info, 1, 1, 1)
        try lapackCheck(info, routine) { i in "diagonal element \(i) of the triangular matrix is exactly zero" }
    }

    /// Inverts the `order × order` triangular matrix in `a` in place (LAPACK `dtrtri`); the other triangle
    /// is not referenced. No allocation.
    /// - Throws: ``LAPACKError/routineFailure(routine:info:meaning:)`` when a diagonal entry is exactly zero.
    package static func trtri(
        triangle: Triangle, diagonal: Diagonal = .nonUnit, order n: Int,
        a: UnsafeMutableBufferPointer<Double>, leadingDimension: Int
    ) throws(LAPACKError) {
        let routine = "DTRTRI"
        try lapackRequireMatrix(a.count, rows: n, columns: n, lda: leadingDimension, routine, "A")
        if n == 0 { return }
        var uplo = triangle.code
        var diag = diagonal.code
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var info: Int32 = 0
        dtrtri_(&uplo, &diag, &nn, try lapackBase(a, routine, "A"), &lda, &info, 1, 1)
        try lapackCheck(info, routine) { i in "diagonal element \(i) is exactly zero; the matrix is singular" }
    }

    /// Cholesky factorisation of the symmetric positive definite matrix in `a` (LAPACK `dpotrf`); only
    /// `triangle` is referenced and overwritten by the factor.
    /// - Throws: ``LAPACKError/routineFailure(routine:info:meaning:)`` when the matrix is not positive definite.
    package static func potrf(
        triangle: Triangle, order n: Int, a: UnsafeMutableBufferPointer<Double>, leadingDimension: Int
    ) throws(LAPACKError) {
        let routine = "DPOTRF"
        try lapackRequireMatrix(a.count, rows: n, columns: n, lda: leadingDimension, routine, "A")
        if n == 0 { return }
        var uplo = triangle.code
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var info: Int32 = 0
        dpotrf_(&uplo, &nn, try lapackBase(a, routine, "A"), &lda, &info, 1)
        try lapackCheck(info, routine) { i in "leading minor of order \(i) is not positive definite" }
    }

    /// Inverse of a symmetric positive definite matrix from its Cholesky factor (LAPACK `dpotri`). With the
    /// upper triangle holding `R` such that `M = RᵀR`, this yields `M⁻¹ = R⁻¹R⁻ᵀ` in the upper triangle —
    /// exactly the `(RᵀR)⁻¹` a least-squares covariance needs when `R` comes from a QR factorisation.
    /// - Throws: ``LAPACKError/routineFailure(routine:info:meaning:)`` when a diagonal entry of the factor is zero.
    package static func potri(
        triangle: Triangle, order n: Int, a: UnsafeMutableBufferPointer<Double>, leadingDimension: Int
    ) throws(LAPACKError) {
        let routine = "DPOTRI"
        try lapackRequireMatrix(a.count, rows: n, columns: n, lda: leadingDimension, routine, "A")
        if n == 0 { return }
        var uplo = triangle.code
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var info: Int32 = 0
        dpotri_(&uplo, &nn, try lapackBase(a, routine, "A"), &lda, &info, 1)
        try lapackCheck(info, routine) { i in "diagonal element \(i) of the factor is zero; the inverse does not exist"
        }
    }
}
