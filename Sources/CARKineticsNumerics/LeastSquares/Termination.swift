/// Why a ``LevenbergMarquardt`` minimisation stopped.
///
/// The first five cases are convergence (``isConvergence`` is `true`); the rest mean the returned point is
/// not a verified minimum and the caller should treat the fit as failed.
public enum Termination: Sendable, Equatable, CustomStringConvertible {
    /// Both the actual and the predicted relative reduction of the sum of squares in the last step were at
    /// most ``LevenbergMarquardt/Options/relativeReductionTolerance`` (MINPACK `info = 1`).
    case relativeReduction
    /// The trust region shrank below ``LevenbergMarquardt/Options/stepTolerance`` times `‖D x‖`
    /// (MINPACK `info = 2`).
    case stepSize
    /// ``relativeReduction`` and ``stepSize`` held in the same step (MINPACK `info = 3`).
    case relativeReductionAndStepSize
    /// The largest cosine between the residual vector and a Jacobian column was at most
    /// ``LevenbergMarquardt/Options/gradientTolerance`` (MINPACK `info = 4`).
    case gradient
    /// The residual vector is exactly zero: a perfect fit.
    case zeroResidual
    /// No further reduction is possible in double precision even though the requested tolerances are not
    /// met (MINPACK `info = 6, 7, 8`). At the defaults this is also a stationary point to working accuracy,
    /// so it counts as convergence.
    case machinePrecision
    /// The residual closure was called ``LevenbergMarquardt/Options/maxEvaluations`` times.
    case evaluationLimit
    /// The residuals at the starting point contain NaN or ±∞.
    case nonFiniteStart
    /// The Jacobian at an accepted point contains NaN or ±∞.
    case nonFiniteJacobian
    /// Fewer residuals than parameters, or no parameters: the problem has no unique least-squares solution.
    case underdetermined
    /// LAPACK reported an error (a dimension beyond its 32-bit range, or an internal failure).
    case linearAlgebra(LAPACKError)

    /// Whether the returned point is a minimum to the requested (or to machine) accuracy.
    public var isConvergence: Bool {
        switch self {
        case .relativeReduction, .stepSize, .relativeReductionAndStepSize, .gradient, .zeroResidual,
            .machinePrecision:
            return true
        case .evaluationLimit, .nonFiniteStart, .nonFiniteJacobian, .underdetermined, .linearAlgebra:
            return false
        }
    }

    /// A short English explanation, for logs and reports.
    public var description: String {
        switch self {
        case .relativeReduction: return "relative reduction of the sum of squares below tolerance"
        case .stepSize: return "step size below tolerance"
        case .relativeReductionAndStepSize: return "relative reduction and step size below tolerance"
        case .gradient: return "gradient (cosine of residuals with Jacobian columns) below tolerance"
        case .zeroResidual: return "zero residual"
        case .machinePrecision: return "no further reduction possible in double precision"
        case .evaluationLimit: return "evaluation limit reached"
        case .nonFiniteStart: return "non-finite residuals at the starting point"
        case .nonFiniteJacobian: return "non-finite Jacobian"
        case .underdetermined: return "fewer residuals than parameters"
        case .linearAlgebra(let error): return error.description
        }
    }
}
