/// A reusable Levenberg–Marquardt solver for nonlinear least squares, `min ½‖f(θ)‖²` over `θ ∈ ℝⁿ`,
/// `f: ℝⁿ → ℝᵐ`, `m ≥ n`.
///
/// The method is the scaled trust-region algorithm of Moré (1978) as in MINPACK `lmder`:
/// - scaling `D = diag(‖J e_j‖)`, updated as the running maximum over iterations;
/// - trust-region radius `Δ` starting at ``Options/initialStepBound`` · `‖D θ₀‖` and updated from the ratio
///   of actual to predicted reduction (shrink below 0.25, expand above 0.75);
/// - the damping `λ` solved by Moré's safeguarded Newton iteration on `‖D p(λ)‖ = Δ`;
/// - each Jacobian factorised once by LAPACK's pivoted QR (`dgeqp3`, `Qᵀ f` by `dormqr`); the damped
///   systems for every `λ` are reduced from `R` by Givens rotations (see `TrustRegionStep`).
///
/// Two safeguards follow a converged run:
/// - a restart from the solution with a fresh scaling and trust region (``Options/restarts``; repeated only
///   while it still lowers the sum of squares), so a trust region that collapsed away from the minimum
///   does not end the fit;
/// - Gauss–Newton polishing: near an ill-conditioned minimum the sum of squares changes by less than its
///   own rounding noise, the ratio test rejects good steps, and the trust region collapses with only 6–7
///   correct digits (NIST Lanczos3, MGH09, Thurber). Full Gauss–Newton steps, which depend on `Jᵀf` rather
///   than on differences of `‖f‖`, are then taken while they contract; this brings those problems to the
///   certified 10–11 digits.
///
/// The solver owns every work array, sized for `(m, n)` at initialisation; ``minimize(start:residuals:jacobian:)``
/// allocates only its result. Reuse one solver for many fits of the same shape. Not thread-safe for
/// simultaneous calls on the same instance (it is a value: give each thread its own copy).
///
/// Non-finite residuals at a trial point count as a failed step (the region shrinks); at the start they end
/// the fit with ``Termination/nonFiniteStart``. The solver never traps on the model's output.
public struct LevenbergMarquardt: Sendable {
    /// Stopping rules and limits. The defaults are one setting for every problem, tuned so that the NIST
    /// StRD nonlinear problems reach their certified values to at least 6 significant digits from both
    /// starting points.
    public struct Options: Sendable, Equatable {
        /// Stop when both the actual and the predicted relative reduction of the sum of squares in a step
        /// are at most this (MINPACK `ftol`).
        public var relativeReductionTolerance: Double
        /// Stop when the trust region radius `Δ` is at most this times `‖D θ‖` (MINPACK `xtol`).
        public var stepTolerance: Double
        /// Stop when every cosine between `f` and a column of `J` is at most this in magnitude (MINPACK `gtol`).
        public var gradientTolerance: Double
        /// Maximum number of calls to the residual closure (finite-difference calls included).
        public var maxEvaluations: Int
        /// Initial trust-region radius as a multiple of `‖D θ₀‖` (MINPACK `factor`); `‖D θ₀‖ = 0` uses the
        /// multiple itself.
        public var initialStepBound: Double
        /// Maximum number of restarts from a converged point. Each costs one or two Jacobians when the
        /// point is already a minimum.
        public var restarts: Int

        /// Tolerances at the edge of double precision (`ftol = xtol = 10⁻¹⁵`, `gtol = 0`: the iteration
        /// runs until the sum of squares stops decreasing in the 15th digit or the trust region shrinks to
        /// `10⁻¹⁵ ‖D θ‖`), at most 20 000 residual evaluations, initial step bound 100, one restart. With
        /// exact Jacobians this reaches the certified values of all 18 public NIST StRD nonlinear problems
        /// from both starts to 10–11 significant digits.
        public static let `default` = Options()

        /// Creates options; every argument defaults to the value in ``default``.
        public init(
            relativeReductionTolerance: Double = 1e-15,
            stepTolerance: Double = 1e-15,
            gradientTolerance: Double = 0,
            maxEvaluations: Int = 20_000,
            initialStepBound: Double = 100,
            restarts: Int = 1
        ) {
            self.relativeReductionTolerance = relativeReductionTolerance
            self.stepTolerance = stepTolerance
            self.gradientTolerance = gradientTolerance
            self.maxEvaluations = maxEvaluations
            self.initialStepBound = initialStepBound
            self.restarts = restarts
        }
    }

    /// Number of parameters `n`.
    public let parameterCount: Int
    /// Number of residuals `m`.
    public let residualCount: Int
    /// Stopping rules used by ``minimize(start:residuals:jacobian:)``.
    public var options: Options
    /// When false, a fit ends without the covariance (saving one Jacobian and factorisation): for screening
    /// runs whose only use is their sum of squares and end point.
    package var computesCovariance = true

    private var storage: [Double]
    private var pivots: [Int]
    /// nil when `m < n`, `n == 0`, or LAPACK could not size its workspace (then `qrError` says why).
    private var qr: QRWorkspace?
    private var qrError: LAPACKError?

    /// Creates a solver with work arrays for `residualCount` residuals and `parameterCount` parameters.
    /// - Precondition: both counts are non-negative. `residualCount < parameterCount` is accepted and
    ///   reported by ``minimize(start:residuals:jacobian:)`` as ``Termination/underdetermined``.
    public init(parameterCount: Int, residualCount: Int, options: Options = .default) {
        precondition(parameterCount >= 0 && residualCount >= 0, "LevenbergMarquardt: negative dimension")
        self.parameterCount = parameterCount
        self.residualCount = residualCount
        self.options = options
        storage = [Double](
            repeating: 0, count: levenbergMarquardtStorageCount(m: residualCount, n: parameterCount))
        pivots = [Int](repeating: 0, count: parameterCount)
        if parameterCount > 0 && residualCount >= parameterCount {
            do {
                qr = try QRWorkspace(rows: residualCount, columns: parameterCount, pivoting: true)
            } catch {
                qrError = error
            }
        }
    }

    /// Minimises `‖f(θ)‖²` from `start`.
    ///
    /// - Parameters:
    ///   - start: `θ₀`, `parameterCount` values.
    ///   - residuals: writes `f(θ)` (`residualCount` values) for the given parameters. May write NaN/∞ where
    ///     the model is undefined.
    ///   - jacobian: writes `∂fᵢ/∂θⱼ` column-major (`m × n`, entry `(i, j)` at `i + j·m`); nil uses central
    ///     differences with step `∛ε · |θⱼ|` (`∛ε` when `θⱼ = 0`), accurate to about 10 digits.
    /// - Returns: the fit; check ``NonlinearFit/converged``. Covariance and standard errors come from the
    ///   Jacobian at the returned parameters (recomputed if the last accepted step moved them).
    /// - Precondition: `start.count == parameterCount`; tolerances are ≥ 0 (NaN not allowed),
    ///   `initialStepBound > 0` and finite, `restarts ≥ 0` (programmer errors, not data errors).
    public mutating func minimize(
        start: [Double],
        residuals: (_ parameters: UnsafeBufferPointer<Double>, _ residuals: UnsafeMutableBufferPointer<Double>) -> Void,
        jacobian: ((_ parameters: UnsafeBufferPointer<Double>, _ jacobian: UnsafeMutableBufferPointer<Double>) -> Void)?
    ) -> NonlinearFit {
        precondition(
            start.count == parameterCount,
            "LevenbergMarquardt: start has \(start.count) values, expected \(parameterCount)")
        precondition(
            options.relativeReductionTolerance >= 0 && options.stepTolerance >= 0 && options.gradientTolerance >= 0
                && options.initialStepBound > 0 && options.initialStepBound.isFinite && options.restarts >= 0,
            "LevenbergMarquardt: invalid options \(options)")
        let m = residualCount
        let n = parameterCount
        // Move the work arrays out of `self` so they can be borrowed as pointers without copy-on-write.
        var storage: [Double] = []
        var pivots: [Int] = []
        var workspace: QRWorkspace?
        swap(&storage, &self.storage)
        swap(&pivots, &self.pivots)
        swap(&workspace, &self.qr)
        defer {
            swap(&storage, &self.storage)
            swap(&pivots, &self.pivots)
            swap(&workspace, &self.qr)
        }
        guard var qr = workspace else {
            return NonlinearFit(
                parameters: start, ssr: .nan, residualStandardDeviation: .nan, covariance: nil,
                standardErrors: nil, iterations: 0, evaluations: 0,
                termination: qrError.map { .linearAlgebra($0) } ?? .underdetermined)
        }
        workspace = nil // `qr` is now the only reference: factorising it does not copy.
        defer { workspace = qr }
        let options = self.options
        return withoutActuallyEscaping(residuals) { residuals in
            storage.withUnsafeMutableBufferPointer { s in
                pivots.withUnsafeMutableBufferPointer { p in
                    // Both buffers are non-empty here (n > 0), so their base addresses exist.
                    guard let base = s.baseAddress, let pivotBase = p.baseAddress else {
                        preconditionFailure("LevenbergMarquardt: work storage missing")
                    }
                    var run = LevenbergMarquardtRun(
                        m: m, n: n, options: options, computesCovariance: computesCovariance,
                        w: Workspace(base: base, m: m, n: n),
                        pivots: pivotBase, residuals: residuals, jacobian: jacobian)
                    return run.solve(start: start, qr: &qr)
                }
            }
        }
    }
}

/// Number of doubles in the solver's work storage for `m` residuals and `n` parameters.
func levenbergMarquardtStorageCount(m: Int, n: Int) -> Int { 3 * m + n * n + 10 * n }

/// Typed views into the solver's storage array (valid only inside `minimize`).
struct Workspace {
    /// `m` each: residuals at `x`, at the trial point, and scratch for `Qᵀ f` and finite differences.
    let f, fTrial, scratch: UnsafeMutablePointer<Double>
    /// `n × n`: a copy of `R` (upper) and the damped-system triangle (strict lower); finally `(JᵀJ)⁻¹`.
    let r: UnsafeMutablePointer<Double>
    /// `n` each.
    let x, xTrial, diag, qtf, acnorm, step, sdiag, work1, work2, work3: UnsafeMutablePointer<Double>

    init(base: UnsafeMutablePointer<Double>, m: Int, n: Int) {
        var p = base
        func take(_ count: Int) -> UnsafeMutablePointer<Double> {
            defer { p += count }
            return p
        }
        f = take(m)
        fTrial = take(m)
        scratch = take(m)
        r = take(n * n)
        x = take(n)
        xTrial = take(n)
        diag = take(n)
        qtf = take(n)
        acnorm = take(n)
        step = take(n)
        sdiag = take(n)
        work1 = take(n)
        work2 = take(n)
        work3 = take(n)
    }
}
