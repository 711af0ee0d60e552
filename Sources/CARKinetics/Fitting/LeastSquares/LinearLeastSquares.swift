/// Linear least squares `min ‖X·β − y‖₂` by rank-revealing QR with iterative refinement.
///
/// Method:
/// 1. **Equilibration.** Each column of `X` is scaled by a power of two close to the reciprocal of its
///    2-norm. Powers of two are exact, so the scaled problem has the same solution bit for bit, but the
///    rank decision and the QR work on columns of comparable size (polynomial designs span many orders of
///    magnitude).
/// 2. **Pivoted QR** (`dgeqp3`) of the scaled design. The rank is the number of diagonal entries with
///    `|R_kk| > rankTolerance·|R₀₀|`.
/// 3. **Iterative refinement** (Björck 1967) of the augmented system `[I X; Xᵀ 0]·[r; β] = [y; 0]`,
///    reusing the QR factors. Both residual blocks `y − r − Xβ` and `−Xᵀr` are accumulated in extended
///    precision (`Float80` on x86-64, double-double elsewhere) against the ORIGINAL design. Unlike plain
///    refinement of β alone, this also removes the `κ²·‖r‖` error term that ruins problems with large
///    residuals and ill-conditioned designs (e.g. NIST Wampler4/5), and brings problems with condition
///    numbers far beyond 1/√ε (e.g. NIST Filip) to near full double precision *for the data as
///    represented in double*. Refinement stops when the correction is below one ulp of β or stops
///    shrinking (it then keeps the better iterate).
///
/// Rank-deficient designs yield the **basic solution** of the selected columns (coefficients of the
/// remaining columns are exactly 0), not the minimum-norm solution; `covariance` is then nil.
public enum LinearLeastSquares {
    /// Solver settings. The defaults are used for every problem in the NIST validation.
    public struct Options: Sendable, Equatable {
        /// Relative tolerance on `|R_kk| / |R₀₀|` of the equilibrated design below which columns count as
        /// dependent. Default `1e-14` (≈ 45 ulp): columns are dropped only when they are dependent to
        /// within about the rounding of their entries. Must be in `[0, 1)`.
        public var rankTolerance: Double
        /// Maximum number of refinement corrections (≥ 0; 0 disables refinement). Default 20; well-posed
        /// problems converge in 1–3, Filip-class problems in about 5–10.
        public var maximumRefinementSteps: Int

        /// Creates options; see the properties for meanings and ranges.
        public init(rankTolerance: Double = 1e-14, maximumRefinementSteps: Int = 20) {
            self.rankTolerance = rankTolerance
            self.maximumRefinementSteps = maximumRefinementSteps
        }

        /// The defaults.
        public static let `default` = Options()
    }

    /// Solves `min ‖design·β − response‖₂`.
    ///
    /// - Parameters:
    ///   - design: `m × n` design matrix `X` (any shape with `m, n ≥ 1`; `m < n` gives rank ≤ m).
    ///   - response: `y`, one value per design row.
    ///   - options: rank tolerance and refinement limit.
    /// - Returns: coefficients, residuals, rank, SSR, degrees of freedom, residual SD, covariance
    ///   `σ²(XᵀX)⁻¹` and standard errors (the last two only for full column rank and `m > n`).
    /// - Throws: ``LeastSquaresError`` for empty or mismatched inputs, non-finite values, invalid options,
    ///   or a LAPACK failure.
    public static func solve(
        design: Matrix, response: [Double], options: Options = .default
    ) throws(LeastSquaresError) -> LinearFit {
        let m = design.rows, n = design.columns
        guard m >= 1, n >= 1 else { throw .emptyProblem(rows: m, columns: n) }
        guard response.count == m else { throw .dimensionMismatch(designRows: m, responseCount: response.count) }
        guard options.rankTolerance >= 0, options.rankTolerance < 1 else {
            throw .invalidOption("rankTolerance must be in [0, 1), got \(options.rankTolerance)")
        }
        guard options.maximumRefinementSteps >= 0 else {
            throw .invalidOption("maximumRefinementSteps must be ≥ 0, got \(options.maximumRefinementSteps)")
        }
        for j in 0..<n {
            for i in 0..<m where !design.elements[i + j * m].isFinite { throw .nonFiniteDesign(row: i, column: j) }
        }
        if let i = response.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteResponse(row: i) }

        do {
            return try solveValidated(design: design, response: response, options: options)
        } catch {
            throw .lapack(error)
        }
    }

    private static func solveValidated(
        design: Matrix, response y: [Double], options: Options
    ) throws(LAPACKError) -> LinearFit {
        let m = design.rows, n = design.columns
        let a = design.elements

        // Power-of-two column scales: scaled = a[:, j] · scale[j] exactly.
        var scale = [Double](repeating: 1, count: n)
        for j in 0..<n {
            var norm = ExtendedAccumulator()
            for i in 0..<m { norm.add(a[i + j * m], times: a[i + j * m]) }
            let length = norm.value.squareRoot()
            if length > 0, length.isFinite { scale[j] = Double(sign: .plus, exponent: -length.exponent, significand: 1) }
        }
        var scaled = a
        for j in 0..<n { for i in 0..<m { scaled[i + j * m] *= scale[j] } }

        var qr = try QRWorkspace(rows: m, columns: n, pivoting: true)
        try qr.factor(Matrix(rows: m, columns: n, elements: scaled))
        let rank = qr.rank(relativeTolerance: options.rankTolerance)
        let basic = (0..<rank).map(qr.pivot)

        // Augmented-system refinement from r = 0, z = 0: the first pass is the plain QR solution.
        var z = [Double](repeating: 0, count: n)      // solution of the scaled problem (β = scale ⊙ z)
        var r = [Double](repeating: 0, count: m)
        var f = [Double](repeating: 0, count: m)
        var h = [Double](repeating: 0, count: max(rank, 1))
        var t = [Double](repeating: 0, count: max(rank, 1))
        var previousCorrection = Double.infinity
        var corrections = 0
        var pass = 0
        while pass <= options.maximumRefinementSteps, rank > 0 {
            // f = y − r − X·β and g = −Xᵀr (scaled, basic columns only), in extended precision.
            for i in 0..<m {
                var acc = ExtendedAccumulator()
                acc.add(y[i])
                acc.add(-r[i])
                for j in basic { acc.subtract(a[i + j * m], times: z[j] * scale[j]) }
                f[i] = acc.value
            }
            for (p, j) in basic.enumerated() {
                var acc = ExtendedAccumulator()
                for i in 0..<m { acc.subtract(a[i + j * m], times: r[i]) }
                h[p] = acc.value * scale[j]
            }
            // Correction: R₁₁ᵀh = Pᵀg, d = Qᵀf, R₁₁·δz = d₁ − h, δr = Q·[h; d₂].
            try f.withUnsafeMutableBufferPointer { (f) throws(LAPACKError) in try qr.applyQTranspose(f) }
            try h.withUnsafeMutableBufferPointer { (h) throws(LAPACKError) in try qr.solveR(rank: rank, transpose: true, h) }
            for p in 0..<rank { t[p] = f[p] - h[p] }
            try t.withUnsafeMutableBufferPointer { (t) throws(LAPACKError) in try qr.solveR(rank: rank, t) }
            for p in 0..<rank { f[p] = h[p] }
            try f.withUnsafeMutableBufferPointer { (f) throws(LAPACKError) in try qr.applyQ(f) }

            var correctionSize = 0.0, solutionSize = 0.0
            for p in 0..<rank {
                let j = basic[p]
                correctionSize = max(correctionSize, abs(t[p] * scale[j]))
                solutionSize = max(solutionSize, abs((z[j] + t[p]) * scale[j]))
            }
            if pass > 0, correctionSize >= 0.5 * previousCorrection, correctionSize > 0 {
                // No longer contracting: the current iterate is as good as refinement can make it.
                break
            }
            for p in 0..<rank { z[basic[p]] += t[p] }
            for i in 0..<m { r[i] += f[i] }
            if pass > 0 { corrections += 1 }
            pass += 1
            previousCorrection = correctionSize
            if correctionSize <= Double.ulpOfOne * solutionSize { break }
        }

        let coefficients = (0..<n).map { z[$0] * scale[$0] }
        var residuals = [Double](repeating: 0, count: m)
        var sumOfSquares = ExtendedAccumulator()
        for i in 0..<m {
            var acc = ExtendedAccumulator()
            acc.add(y[i])
            for j in basic { acc.subtract(a[i + j * m], times: coefficients[j]) }
            residuals[i] = acc.value
            sumOfSquares.add(residuals[i], times: residuals[i])
        }
        let ssr = sumOfSquares.value
        let dof = m - rank
        let sigma = dof > 0 ? (ssr / Double(dof)).squareRoot() : .nan

        var covariance: Matrix?
        var standardErrors: [Double]?
        if rank == n, dof > 0 {
            var inverse = [Double](repeating: 0, count: n * n)
            try inverse.withUnsafeMutableBufferPointer { (out) throws(LAPACKError) in try qr.inverseGram(into: out) }
            let variance = sigma * sigma
            for j in 0..<n { for i in 0..<n { inverse[i + j * n] *= variance * scale[i] * scale[j] } }
            let matrix = try Matrix(rows: n, columns: n, elements: inverse)
            covariance = matrix
            standardErrors = (0..<n).map { matrix[$0, $0].squareRoot() }
        }
        let condition = rank > 0 ? abs(qr.r(0, 0) / qr.r(rank - 1, rank - 1)) : .infinity
        return LinearFit(
            coefficients: coefficients, residuals: residuals, rank: rank, ssr: ssr, degreesOfFreedom: dof,
            residualStandardDeviation: sigma, covariance: covariance, standardErrors: standardErrors,
            conditionEstimate: condition, refinementSteps: corrections)
    }
}
