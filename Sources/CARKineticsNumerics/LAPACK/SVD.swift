import CLAPACK

extension LAPACK {
    /// Which singular vectors ``gesdd(vectors:rows:columns:a:leadingDimension:singularValues:u:leadingDimensionU:vt:leadingDimensionVT:work:iwork:)`` computes.
    package enum SingularVectors: Sendable {
        /// Singular values only (`JOBZ = 'N'`).
        case none
        /// The first `min(m, n)` columns of `U` and rows of `Vᵀ` (`JOBZ = 'S'`).
        case thin
    }

    /// Optimal `work` length for `gesdd` (LAPACK workspace query). `iwork` needs `8·min(m, n)` entries.
    package static func gesddWorkspaceSize(
        vectors: SingularVectors, rows m: Int, columns n: Int
    ) throws(LAPACKError) -> Int {
        let routine = "DGESDD"
        try lapackRequire(m >= 0 && n >= 0, routine, "dimensions \(m)×\(n) are negative")
        var jobz = CChar(UInt8(ascii: vectors == .none ? "N" : "S"))
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(max(1, m), routine, "LDA")
        var ldu = try lapackInt(max(1, m), routine, "LDU")
        var ldvt = try lapackInt(max(1, vectors == .none ? 1 : min(m, n)), routine, "LDVT")
        var lwork: Int32 = -1
        var info: Int32 = 0
        var a = 0.0
        var s = 0.0
        var u = 0.0
        var vt = 0.0
        var query = 0.0
        var iwork: Int32 = 0
        dgesdd_(&jobz, &mm, &nn, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &iwork, &info, 1)
        try lapackCheck(info, routine) { _ in "workspace query failed" }
        let small = min(m, n)
        let large = max(m, n)
        let minimum =
            vectors == .none
            ? 3 * small + max(large, 7 * small)
            : 3 * small + max(large, 5 * small * small + 4 * small)
        return lapackWorkspace(query, minimum: minimum)
    }

    /// Singular value decomposition `A = U·Σ·Vᵀ` by divide and conquer (LAPACK `dgesdd`). `a` is destroyed.
    /// Singular values are returned in decreasing order in `singularValues` (at least `min(m, n)` entries).
    /// With `.thin`, `u` receives `m × min(m, n)` and `vt` receives `min(m, n) × n`; with `.none` they are
    /// not referenced (pass empty buffers and leading dimension 1).
    /// - Throws: ``LAPACKError/routineFailure(routine:info:meaning:)`` if the bidiagonal iteration fails to converge.
    package static func gesdd(
        vectors: SingularVectors, rows m: Int, columns n: Int,
        a: UnsafeMutableBufferPointer<Double>, leadingDimension: Int,
        singularValues: UnsafeMutableBufferPointer<Double>,
        u: UnsafeMutableBufferPointer<Double>, leadingDimensionU: Int,
        vt: UnsafeMutableBufferPointer<Double>, leadingDimensionVT: Int,
        work: UnsafeMutableBufferPointer<Double>, iwork: UnsafeMutableBufferPointer<Int32>
    ) throws(LAPACKError) {
        let routine = "DGESDD"
        let small = min(m, n)
        try lapackRequireMatrix(a.count, rows: m, columns: n, lda: leadingDimension, routine, "A")
        try lapackRequire(
            singularValues.count >= small, routine, "S holds \(singularValues.count) entries, needs \(small)")
        try lapackRequire(iwork.count >= 8 * small, routine, "IWORK holds \(iwork.count) entries, needs \(8 * small)")
        try lapackRequire(!work.isEmpty, routine, "WORK is empty")
        if vectors == .thin {
            try lapackRequireMatrix(u.count, rows: m, columns: small, lda: leadingDimensionU, routine, "U")
            try lapackRequireMatrix(vt.count, rows: small, columns: n, lda: leadingDimensionVT, routine, "VT")
        }
        if small == 0 { return }
        var jobz = CChar(UInt8(ascii: vectors == .none ? "N" : "S"))
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var ldu = try lapackInt(vectors == .none ? 1 : leadingDimensionU, routine, "LDU")
        var ldvt = try lapackInt(vectors == .none ? 1 : leadingDimensionVT, routine, "LDVT")
        var lwork = try lapackInt(min(work.count, Int(Int32.max)), routine, "LWORK")
        var info: Int32 = 0
        // With `.none` LAPACK never dereferences U and VT, but it still receives addresses; give it real ones.
        var dummyU = [0.0]
        var dummyVT = [0.0]
        let aBase = try lapackBase(a, routine, "A")
        let sBase = try lapackBase(singularValues, routine, "S")
        let workBase = try lapackBase(work, routine, "WORK")
        let iworkBase = try lapackBase(iwork, routine, "IWORK")
        let uBase = vectors == .none ? nil : u.baseAddress
        let vtBase = vectors == .none ? nil : vt.baseAddress
        dummyU.withUnsafeMutableBufferPointer { du in
            dummyVT.withUnsafeMutableBufferPointer { dvt in
                dgesdd_(
                    &jobz, &mm, &nn, aBase, &lda, sBase, uBase ?? du.baseAddress, &ldu,
                    vtBase ?? dvt.baseAddress, &ldvt, workBase, &lwork, iworkBase, &info, 1)
            }
        }
        try lapackCheck(info, routine) { _ in "the bidiagonal singular value iteration did not converge" }
    }

    /// The singular values of `matrix`, largest first (allocates; for diagnostics such as condition numbers
    /// and rank, not for hot loops).
    package static func singularValues(of matrix: Matrix) throws(LAPACKError) -> [Double] {
        let small = min(matrix.rows, matrix.columns)
        if small == 0 { return [] }
        var a = matrix.elements
        var s = [Double](repeating: 0, count: small)
        var work = [Double](
            repeating: 0, count: try gesddWorkspaceSize(vectors: .none, rows: matrix.rows, columns: matrix.columns))
        var iwork = [Int32](repeating: 0, count: 8 * small)
        var u: [Double] = []
        var vt: [Double] = []
        try withMutableBuffers(&a, &s, &work, &iwork, &u, &vt) { (a, s, work, iwork, u, vt) throws(LAPACKError) in
            try gesdd(
                vectors: .none, rows: matrix.rows, columns: matrix.columns, a: a, leadingDimension: max(1, matrix.rows),
                singularValues: s, u: u, leadingDimensionU: 1, vt: vt, leadingDimensionVT: 1, work: work, iwork: iwork)
        }
        return s
    }

    /// The 2-norm condition number `σ_max / σ_min` of `matrix` (`+∞` when `σ_min = 0`); allocates.
    package static func conditionNumber(of matrix: Matrix) throws(LAPACKError) -> Double {
        let s = try singularValues(of: matrix)
        guard let largest = s.first, let smallest = s.last else { return .nan }
        return smallest == 0 ? .infinity : largest / smallest
    }
}

/// Runs `body` with mutable buffers over six arrays (avoids deeply nested closures at call sites).
func withMutableBuffers<A, B, C, D, E, F>(
    _ a: inout [A], _ b: inout [B], _ c: inout [C], _ d: inout [D], _ e: inout [E], _ f: inout [F],
    _ body: (
        UnsafeMutableBufferPointer<A>, UnsafeMutableBufferPointer<B>, UnsafeMutableBufferPointer<C>,
        UnsafeMutableBufferPointer<D>, UnsafeMutableBufferPointer<E>, UnsafeMutableBufferPointer<F>
    ) throws(LAPACKError) -> Void
) throws(LAPACKError) {
    try a.withUnsafeMutableBufferPointer { (a) throws(LAPACKError) in
        try b.withUnsafeMutableBufferPointer { (b) throws(LAPACKError) in
            try c.withUnsafeMutableBufferPointer { (c) throws(LAPACKError) in
                try d.withUnsafeMutableBufferPointer { (d) throws(LAPACKError) in
                    try e.withUnsafeMutableBufferPointer { (e) throws(LAPACKError) in
                        try f.withUnsafeMutableBufferPointer { (f) throws(LAPACKError) in try body(a, b, c, d, e, f) }
                    }
                }
            }
        }
    }
}
