/// A reusable QR factorisation `A·P = Q·R` of `rows × columns` matrices, sized once.
///
/// All buffers (factors, reflectors, pivots, LAPACK workspace, scratch) are allocated by the initialiser;
/// ``factor(_:)`` and the solve/apply methods then allocate nothing, so an iterative solver can refactor
/// and solve every iteration without touching the heap. After a factorisation:
/// - the upper triangle of ``factors`` holds `R` (`min(rows, columns) × columns`), below it the
///   Householder reflectors that with ``tau`` define `Q`;
/// - ``pivot(_:)`` maps a position in `R` to the original column (identity when `pivoting == false`);
/// - with pivoting (LAPACK `dgeqp3`), `|R₀₀| ≥ |R₁₁| ≥ …`, so ``rank(relativeTolerance:)`` reveals the
///   numerical rank. Without pivoting `dgeqrf` is used (faster; no rank information).
///
/// `rows < columns` is allowed; then at most `rows` columns can be basic.
package struct QRWorkspace: Sendable {
    /// Row count m of the matrices this workspace factors.
    package let rows: Int
    /// Column count n of the matrices this workspace factors.
    package let columns: Int
    /// Whether columns are pivoted (`dgeqp3`) or kept in order (`dgeqrf`).
    package let pivoting: Bool
    /// The factored matrix in LAPACK's compact form (column-major, leading dimension `rows`).
    package private(set) var factors: [Double]
    /// The `min(rows, columns)` Householder scalars.
    package private(set) var tau: [Double]
    /// Whether ``factors`` currently holds a factorisation.
    package private(set) var isFactored = false
    private var pivots: [Int32]
    private var work: [Double]
    private var scratch: [Double]
    private var square: [Double]

    /// Allocates every buffer for `rows × columns` problems, sizing LAPACK workspace by query.
    /// - Throws: ``LAPACKError/invalidDimensions(routine:reason:)`` for non-positive or oversized dimensions.
    package init(rows: Int, columns: Int, pivoting: Bool = true) throws(LAPACKError) {
        try lapackRequire(rows >= 1 && columns >= 1, "QRWorkspace", "dimensions \(rows)×\(columns) must be positive")
        self.rows = rows
        self.columns = columns
        self.pivoting = pivoting
        let k = min(rows, columns)
        let factorWork =
            pivoting
            ? try LAPACK.geqp3WorkspaceSize(rows: rows, columns: columns)
            : try LAPACK.geqrfWorkspaceSize(rows: rows, columns: columns)
        let applyWork = max(
            try LAPACK.ormqrWorkspaceSize(side: .left, transpose: .transpose, rows: rows, columns: 1, reflectors: k),
            try LAPACK.ormqrWorkspaceSize(side: .left, transpose: .none, rows: rows, columns: 1, reflectors: k))
        factors = [Double](repeating: 0, count: rows * columns)
        tau = [Double](repeating: 0, count: k)
        pivots = [Int32](repeating: 0, count: columns)
        work = [Double](repeating: 0, count: max(factorWork, applyWork))
        scratch = [Double](repeating: 0, count: rows)
        square = [Double](repeating: 0, count: columns * columns)
    }

    /// Factors the matrix that `fill` writes into the (column-major, `rows × columns`) buffer it receives.
    /// Writing the matrix in place avoids an intermediate copy in hot loops. The buffer still holds the
    /// previous factorisation, so `fill` must write every entry.
    package mutating func factor(
        filling fill: (_ matrix: UnsafeMutableBufferPointer<Double>) -> Void
    ) throws(LAPACKError) {
        isFactored = false
        factors.withUnsafeMutableBufferPointer { fill($0) }
        try factorInPlace()
    }

    /// Factors a copy of `matrix` (`rows × columns` column-major; extra entries are ignored).
    /// - Throws: ``LAPACKError/invalidDimensions(routine:reason:)`` if `matrix` is too short.
    package mutating func factor(_ matrix: UnsafeBufferPointer<Double>) throws(LAPACKError) {
        try lapackRequire(
            matrix.count >= rows * columns, "QRWorkspace",
            "matrix holds \(matrix.count) elements, needs \(rows * columns)")
        isFactored = false
        factors.withUnsafeMutableBufferPointer { f in
            for i in 0..<(rows * columns) { f[i] = matrix[i] }
        }
        try factorInPlace()
    }

    /// Factors a copy of `matrix`.
    /// - Throws: ``LAPACKError/invalidDimensions(routine:reason:)`` if its shape differs from the workspace's.
    package mutating func factor(_ matrix: Matrix) throws(LAPACKError) {
        try lapackRequire(
            matrix.rows == rows && matrix.columns == columns, "QRWorkspace",
            "matrix is \(matrix.rows)×\(matrix.columns), workspace is \(rows)×\(columns)")
        try matrix.elements.withUnsafeBufferPointer { (m) throws(LAPACKError) in try factor(m) }
    }

    private mutating func factorInPlace() throws(LAPACKError) {
        let (m, n, pivoting) = (rows, columns, self.pivoting)
        try factors.withUnsafeMutableBufferPointer { (a) throws(LAPACKError) in
            try tau.withUnsafeMutableBufferPointer { (tau) throws(LAPACKError) in
                try work.withUnsafeMutableBufferPointer { (work) throws(LAPACKError) in
                    if pivoting {
                        try pivots.withUnsafeMutableBufferPointer { (jpvt) throws(LAPACKError) in
                            try LAPACK.geqp3(
                                rows: m, columns: n, a: a, leadingDimension: m, pivots: jpvt, tau: tau, work: work)
                        }
                    } else {
                        try LAPACK.geqrf(rows: m, columns: n, a: a, leadingDimension: m, tau: tau, work: work)
                    }
                }
            }
        }
        if !pivoting {
            for j in 0..<n { pivots[j] = Int32(j) }
        }
        isFactored = true
    }

    private func requireFactored(_ operation: String) throws(LAPACKError) {
        try lapackRequire(isFactored, "QRWorkspace", "\(operation) called before a successful factor()")
    }

    /// The original (zero-based) column index placed at position `position` of `R`.
    /// - Precondition: `0 ≤ position < columns`.
    package func pivot(_ position: Int) -> Int { Int(pivots[position]) }

    /// Entry `(i, j)` of `R` (zero below the diagonal), in pivoted column order.
    /// - Precondition: indices in range.
    package func r(_ i: Int, _ j: Int) -> Double {
        precondition(i >= 0 && i < min(rows, columns) && j >= 0 && j < columns, "R index out of range")
        return i > j ? 0 : factors[i + j * rows]
    }

    /// Numerical rank: the number of leading diagonal entries with `|R_kk| > relativeTolerance · |R₀₀|`.
    ///
    /// Only meaningful with pivoting. Returns 0 for a zero matrix. The leading `rank × rank` block of `R` is
    /// then well conditioned relative to the tolerance (up to the usual rare failures of pivoted QR as a
    /// rank-revealing factorisation; Kahan-type matrices).
    package func rank(relativeTolerance: Double) -> Int {
        let k = min(rows, columns)
        guard isFactored, k > 0 else { return 0 }
        let threshold = relativeTolerance * abs(factors[0])
        var r = 0
        while r < k, abs(factors[r + r * rows]) > threshold, factors[r + r * rows].isFinite { r += 1 }
        return r
    }

    /// Overwrites `vector` (length `rows`) with `Qᵀ·vector`.
    package mutating func applyQTranspose(_ vector: UnsafeMutableBufferPointer<Double>) throws(LAPACKError) {
        try applyQ(vector, transpose: .transpose)
    }

    /// Overwrites `vector` (length `rows`) with `Q·vector`.
    package mutating func applyQ(_ vector: UnsafeMutableBufferPointer<Double>) throws(LAPACKError) {
        try applyQ(vector, transpose: .none)
    }

    private mutating func applyQ(
        _ vector: UnsafeMutableBufferPointer<Double>, transpose: LAPACK.Transpose
    ) throws(LAPACKError) {
        try requireFactored("applyQ")
        try lapackRequire(vector.count == rows, "QRWorkspace", "vector has \(vector.count) entries, needs \(rows)")
        let (m, k) = (rows, min(rows, columns))
        try factors.withUnsafeBufferPointer { (a) throws(LAPACKError) in
            try tau.withUnsafeBufferPointer { (tau) throws(LAPACKError) in
                try work.withUnsafeMutableBufferPointer { (work) throws(LAPACKError) in
                    try LAPACK.ormqr(
                        side: .left, transpose: transpose, rows: m, columns: 1, reflectors: k,
                        a: a, leadingDimension: m, tau: tau, c: vector, leadingDimensionC: m, work: work)
                }
            }
        }
    }

    /// Solves `R₁₁·x = x` (or `R₁₁ᵀ·x = x` when `transpose`) in place for the leading `rank × rank`
    /// block of `R`; `vector` needs at least `rank` entries (further entries are untouched).
    package func solveR(
        rank k: Int, transpose: Bool = false, _ vector: UnsafeMutableBufferPointer<Double>
    ) throws(LAPACKError) {
        try requireFactored("solveR")
        try lapackRequire(k >= 0 && k <= min(rows, columns), "QRWorkspace", "rank \(k) exceeds min(rows, columns)")
        try lapackRequire(vector.count >= k, "QRWorkspace", "vector has \(vector.count) entries, needs \(k)")
        let m = rows
        try factors.withUnsafeBufferPointer { (a) throws(LAPACKError) in
            try LAPACK.trtrs(
                triangle: .upper, transpose: transpose ? .transpose : .none, order: k, rightHandSides: 1,
                a: a, leadingDimension: m, b: UnsafeMutableBufferPointer(rebasing: vector[0..<k]),
                leadingDimensionB: max(1, k))
        }
    }

    /// The basic least-squares solution of `min ‖A·x − b‖₂` using the leading `rank` pivoted columns:
    /// `x[P(j)] = (R₁₁⁻¹ (Qᵀb)₁)_j` for `j < rank`, zero for the other columns. With full column rank this
    /// is the least-squares solution. `b` (length `rows`) is overwritten by `Qᵀb`, whose last
    /// `rows − rank` entries are the residual's coordinates; `solution` needs `columns` entries.
    package mutating func solve(
        _ b: UnsafeMutableBufferPointer<Double>, rank k: Int, solution: UnsafeMutableBufferPointer<Double>
    ) throws(LAPACKError) {
        try lapackRequire(
            solution.count >= columns, "QRWorkspace", "solution has \(solution.count) entries, needs \(columns)")
        try lapackRequire(k >= 0 && k <= min(rows, columns), "QRWorkspace", "rank \(k) exceeds min(rows, columns)")
        try applyQTranspose(b)
        let (m, n) = (rows, columns)
        try scratch.withUnsafeMutableBufferPointer { (y) throws(LAPACKError) in
            for i in 0..<k { y[i] = b[i] }
            try factors.withUnsafeBufferPointer { (a) throws(LAPACKError) in
                try LAPACK.trtrs(
                    triangle: .upper, transpose: .none, order: k, rightHandSides: 1, a: a,
                    leadingDimension: m, b: y, leadingDimensionB: max(1, k))
            }
            for j in 0..<n { solution[j] = 0 }
            for j in 0..<k { solution[Int(pivots[j])] = y[j] }
        }
    }

    /// `(RᵀR)⁻¹` expressed in the ORIGINAL column order, i.e. `(AᵀA)⁻¹` (LAPACK `dpotri` on `R`), written
    /// into `output` (`columns × columns`, column-major, full symmetric). Multiply by σ² for the
    /// least-squares covariance.
    /// - Throws: ``LAPACKError/invalidDimensions(routine:reason:)`` unless `rows ≥ columns`;
    ///   ``LAPACKError/routineFailure(routine:info:meaning:)`` if a diagonal entry of `R` is exactly zero.
    ///   Callers should check ``rank(relativeTolerance:)`` first: a tiny but non-zero `R_kk` gives huge values.
    package mutating func inverseGram(into output: UnsafeMutableBufferPointer<Double>) throws(LAPACKError) {
        try requireFactored("inverseGram")
        try lapackRequire(rows >= columns, "QRWorkspace", "inverseGram needs rows ≥ columns (\(rows) < \(columns))")
        let (m, n) = (rows, columns)
        try lapackRequire(output.count >= n * n, "QRWorkspace", "output holds \(output.count) entries, needs \(n * n)")
        try square.withUnsafeMutableBufferPointer { (s) throws(LAPACKError) in
            for j in 0..<n {
                for i in 0..<n { s[i + j * n] = i <= j ? factors[i + j * m] : 0 }
            }
            try LAPACK.potri(triangle: .upper, order: n, a: s, leadingDimension: n)
            for j in 0..<n {
                for i in 0..<n {
                    let value = i <= j ? s[i + j * n] : s[j + i * n]
                    output[Int(pivots[i]) + Int(pivots[j]) * n] = value
                }
            }
        }
    }
}
