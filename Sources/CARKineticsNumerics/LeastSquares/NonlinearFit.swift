/// The result of a ``LevenbergMarquardt`` minimisation.
///
/// Statistics follow the usual nonlinear-regression conventions (as in the NIST StRD certificates):
/// `σ² = ssr / (m − n)` and `covariance = σ² (JᵀJ)⁻¹`, with `J` the Jacobian at ``parameters``.
public struct NonlinearFit: Sendable {
    /// The parameter estimates, in the order of the start vector.
    public var parameters: [Double]
    /// Residual sum of squares `Σ rᵢ²` at ``parameters``.
    public var ssr: Double
    /// `√(ssr / (m − n))`; NaN when `m == n`.
    public var residualStandardDeviation: Double
    /// `σ² (JᵀJ)⁻¹` from the pivoted QR of the Jacobian at ``parameters`` (`(JᵀJ)⁻¹ = P R⁻¹ R⁻ᵀ Pᵀ`,
    /// LAPACK `dpotri` on `R`); nil when `m == n`, when the Jacobian is numerically rank deficient (a
    /// diagonal of `R` at or below `n · ε · |R₁₁|`) or not finite, or when the fit did not start. It is
    /// computed at the returned point even when the fit did not converge; check ``converged`` first.
    public var covariance: Matrix?
    /// Square roots of the diagonal of ``covariance``; nil exactly when ``covariance`` is nil.
    public var standardErrors: [Double]?
    /// Number of Jacobian evaluations: outer iterations over all restarts and polishing steps, plus one
    /// for the covariance when the last accepted step moved the parameters.
    public var iterations: Int
    /// Number of calls to the residual closure, including those made to approximate the Jacobian by
    /// central differences.
    public var evaluations: Int
    /// Why the iteration stopped.
    public var termination: Termination
    /// `termination.isConvergence`.
    public var converged: Bool { termination.isConvergence }
}
