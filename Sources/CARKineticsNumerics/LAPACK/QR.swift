import CLAPACK

extension LAPACK {
    // MARK: dgeqp3 — QR with column pivoting

    /// Optimal `work` length for ``geqp3(rows:columns:a:leadingDimension:pivots:tau:work:)`` (LAPACK
    /// workspace query; at least the documented minimum `3n + 1`).
    package static func geqp3WorkspaceSize(rows m: Int, columns n: Int) throws(LAPACKError) -> Int {
        let routine = "DGEQP3"
        try lapackRequire(m >= 0 && n >= 0, routine, "dimensions \(m)×\(n) are negative")
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(max(1, m), routine, "LDA")
        var lwork: Int32 = -1
        var info: Int32 = 0
        var a = 0.0
        var tau = 0.0
        var query = 0.0
        var jpvt: Int32 = 0
        dgeqp3_(&mm, &nn, &a, &lda, &jpvt, &tau, &query, &lwork, &info)
        try lapackCheck(info, routine) { _ in "workspace query failed" }
        return lapackWorkspace(query, minimum: 3 * n + 1)
    }

    /// Householder QR factorisation with column pivoting, `A·P = Q·R` (LAPACK `dgeqp3`, level-3 BLAS).
    ///
    /// All columns are free to pivot. On return the upper triangle of `a` holds `R` (with
    /// `|R₁₁| ≥ |R₂₂| ≥ …`), the part below the diagonal and `tau` the `min(m, n)` Householder reflectors
    /// defining `Q`, and `pivots[j]` is the **zero-based** index of the original column moved to position `j`
    /// (LAPACK's 1-based `JPVT` is converted in place).
    /// - Parameters:
    ///   - a: `leadingDimension × columns` column-major storage, overwritten.
    ///   - pivots: at least `columns` entries (input ignored).
    ///   - tau: at least `min(rows, columns)` entries.
    ///   - work: at least `3·columns + 1` entries; ``geqp3WorkspaceSize(rows:columns:)`` gives the optimum.
    package static func geqp3(
        rows m: Int, columns n: Int, a: UnsafeMutableBufferPointer<Double>, leadingDimension: Int,
        pivots: UnsafeMutableBufferPointer<Int32>, tau: UnsafeMutableBufferPointer<Double>,
        work: UnsafeMutableBufferPointer<Double>
    ) throws(LAPACKError) {
        let routine = "DGEQP3"
        try lapackRequireMatrix(a.count, rows: m, columns: n, lda: leadingDimension, routine, "A")
        try lapackRequire(pivots.count >= n, routine, "JPVT holds \(pivots.count) entries, needs \(n)")
        try lapackRequire(tau.count >= min(m, n), routine, "TAU holds \(tau.count) entries, needs \(min(m, n))")
        try lapackRequire(work.count >= 3 * n + 1, routine, "WORK holds \(work.count) entries, needs ≥ \(3 * n + 1)")
        if m == 0 || n == 0 {
            for j in 0..<n { pivots[j] = Int32(j) }
            return
        }
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var lwork = try lapackInt(min(work.count, Int(Int32.max)), routine, "LWORK")
        var info: Int32 = 0
        for j in 0..<n { pivots[j] = 0 }
        dgeqp3_(
            &mm, &nn, try lapackBase(a, routine, "A"), &lda, try lapackBase(pivots, routine, "JPVT"),
            try lapackBase(tau, routine, "TAU"), try lapackBase(work, routine, "WORK"), &lwork, &info)
        try lapackCheck(info, routine) { _ in "unexpected positive info" }
        for j in 0..<n { pivots[j] -= 1 }
    }

    // MARK: dgeqrf — QR without pivoting

    /// Optimal `work` length for ``geqrf(rows:columns:a:leadingDimension:tau:work:)`` (at least `max(1, n)`).
    package static func geqrfWorkspaceSize(rows m: Int, columns n: Int) throws(LAPACKError) -> Int {
        let routine = "DGEQRF"
        try lapackRequire(m >= 0 && n >= 0, routine, "dimensions \(m)×\(n) are negative")
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(max(1, m), routine, "LDA")
        var lwork: Int32 = -1
        var info: Int32 = 0
        var a = 0.0
        var tau = 0.0
        var query = 0.0
        dgeqrf_(&mm, &nn, &a, &lda, &tau, &query, &lwork, &info)
        try lapackCheck(info, routine) { _ in "workspace query failed" }
        return lapackWorkspace(query, minimum: max(1, n))
    }

    /// Householder QR factorisation `A = Q·R` without pivoting (LAPACK `dgeqrf`). Storage of `R`, the
    /// reflectors and `tau` as for ``geqp3(rows:columns:a:leadingDimension:pivots:tau:work:)``.
    /// - Parameter work: at least `max(1, columns)` entries.
    package static func geqrf(
        rows m: Int, columns n: Int, a: UnsafeMutableBufferPointer<Double>, leadingDimension: Int,
        tau: UnsafeMutableBufferPointer<Double>, work: UnsafeMutableBufferPointer<Double>
    ) throws(LAPACKError) {
        let routine = "DGEQRF"
        try lapackRequireMatrix(a.count, rows: m, columns: n, lda: leadingDimension, routine, "A")
        try lapackRequire(tau.count >= min(m, n), routine, "TAU holds \(tau.count) entries, needs \(min(m, n))")
        try lapackRequire(work.count >= max(1, n), routine, "WORK holds \(work.count) entries, needs ≥ \(max(1, n))")
        if m == 0 || n == 0 { return }
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var lwork = try lapackInt(min(work.count, Int(Int32.max)), routine, "LWORK")
        var info: Int32 = 0
        dgeqrf_(
            &mm, &nn, try lapackBase(a, routine, "A"), &lda, try lapackBase(tau, routine, "TAU"),
            try lapackBase(work, routine, "WORK"), &lwork, &info)
        try lapackCheck(info, routine) { _ in "unexpected positive info" }
    }

    // MARK: dormqr — apply Q or Qᵀ

    /// Optimal `work` length for ``ormqr(side:transpose:rows:columns:reflectors:a:leadingDimension:tau:c:leadingDimensionC:work:)``
    /// (at least `max(1, n)` for `.left`, `max(1, m)` for `.right`).
    package static func ormqrWorkspaceSize(
        side: Side, transpose: Transpose, rows m: Int, columns n: Int, reflectors k: Int
    ) throws(LAPACKError) -> Int {
        let routine = "DORMQR"
        let order = side == .left ? m : n
        try lapackRequire(
            m >= 0 && n >= 0 && k >= 0 && k <= order, routine,
            "C is \(m)×\(n) with \(k) reflectors of order \(order)")
        var sideCode = side.code
        var transCode = transpose.code
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var kk = try lapackInt(k, routine, "K")
        var lda = try lapackInt(max(1, order), routine, "LDA")
        var ldc = try lapackInt(max(1, m), routine, "LDC")
        var lwork: Int32 = -1
        var info: Int32 = 0
        var a = 0.0
        var tau = 0.0
        var c = 0.0
        var query = 0.0
        dormqr_(&sideCode, &transCode, &mm, &nn, &kk, &a, &lda, &tau, &c, &ldc, &query, &lwork, &info, 1, 1)
        try lapackCheck(info, routine) { _ in "workspace query failed" }
        return lapackWorkspace(query, minimum: max(1, side == .left ? n : m))
    }

    /// Overwrites the `m × n` matrix `C` with `Q·C`, `Qᵀ·C`, `C·Q` or `C·Qᵀ`, where `Q` is the product of
    /// the first `reflectors` Householder reflectors left in `a`/`tau` by ``geqrf(rows:columns:a:leadingDimension:tau:work:)``
    /// or ``geqp3(rows:columns:a:leadingDimension:pivots:tau:work:)`` (LAPACK `dormqr`).
    /// - Parameters:
    ///   - a: the factorisation output; its leading dimension must be ≥ `m` (`.left`) or `n` (`.right`).
    ///   - work: at least `max(1, n)` (`.left`) or `max(1, m)` (`.right`) entries.
    package static func ormqr(
        side: Side, transpose: Transpose, rows m: Int, columns n: Int, reflectors k: Int,
        a: UnsafeBufferPointer<Double>, leadingDimension: Int, tau: UnsafeBufferPointer<Double>,
        c: UnsafeMutableBufferPointer<Double>, leadingDimensionC: Int, work: UnsafeMutableBufferPointer<Double>
    ) throws(LAPACKError) {
        let routine = "DORMQR"
        let order = side == .left ? m : n
        try lapackRequire(k >= 0 && k <= order, routine, "\(k) reflectors for order \(order)")
        try lapackRequireMatrix(a.count, rows: order, columns: k, lda: leadingDimension, routine, "A")
        try lapackRequire(tau.count >= k, routine, "TAU holds \(tau.count) entries, needs \(k)")
        try lapackRequireMatrix(c.count, rows: m, columns: n, lda: leadingDimensionC, routine, "C")
        let minimum = max(1, side == .left ? n : m)
        try lapackRequire(work.count >= minimum, routine, "WORK holds \(work.count) entries, needs ≥ \(minimum)")
        if m == 0 || n == 0 || k == 0 { return }
        guard let aBase = a.baseAddress, let tauBase = tau.baseAddress else {
            throw .invalidDimensions(routine: routine, reason: "A or TAU is empty")
        }
        var sideCode = side.code
        var transCode = transpose.code
        var mm = try lapackInt(m, routine, "M")
        var nn = try lapackInt(n, routine, "N")
        var kk = try lapackInt(k, routine, "K")
        var lda = try lapackInt(leadingDimension, routine, "LDA")
        var ldc = try lapackInt(leadingDimensionC, routine, "LDC")
        var lwork = try lapackInt(min(work.count, Int(Int32.max)), routine, "LWORK")
        var info: Int32 = 0
        dormqr_(
            &sideCode, &transCode, &mm, &nn, &kk, aBase, &lda, tauBase, try lapackBase(c, routine, "C"), &ldc,
            try lapackBase(work, routine, "WORK"), &lwork, &info, 1, 1)
        try lapackCheck(info, routine) { _ in "unexpected positive info" }
    }
}
