/// The solution of a linear least-squares problem `min ‖X·β − y‖₂` and its statistics.
public struct LinearFit: Sendable, Equatable {
    /// β, one per design column, in the design's column order. For a rank-deficient design this is the
    /// basic solution: the columns not selected by pivoted QR get exactly 0 (see ``rank``).
    public var coefficients: [Double]
    /// `y − X·β` per row, each formed in extended precision and rounded once.
    public var residuals: [Double]
    /// Numerical rank of the column-equilibrated design under the solver's rank tolerance.
    public var rank: Int
    /// Residual sum of squares `Σ rᵢ²` (accumulated in extended precision).
    public var ssr: Double
    /// Residual degrees of freedom, `rows − rank`.
    public var degreesOfFreedom: Int
    /// `√(ssr / degreesOfFreedom)`; NaN when there are no residual degrees of freedom.
    public var residualStandardDeviation: Double
    /// `σ²·(XᵀX)⁻¹` in the design's column order; nil when the design is rank-deficient or
    /// `degreesOfFreedom == 0`.
    public var covariance: Matrix?
    /// Square roots of the covariance diagonal; nil exactly when ``covariance`` is nil.
    public var standardErrors: [Double]?
    /// Estimate of the 2-norm condition number of the equilibrated basic columns, `|R₀₀ / R_kk|` from
    /// pivoted QR (k = rank − 1); a lower bound within a modest factor of the true value.
    public var conditionEstimate: Double
    /// Number of iterative-refinement corrections applied after the initial QR solution.
    public var refinementSteps: Int
}
