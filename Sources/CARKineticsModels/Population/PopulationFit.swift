import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// One estimated population quantity with its uncertainty (natural scale; the interval is computed on the
/// estimation scale and mapped back).
public struct PopulationEstimate: Sendable, Equatable {
    /// `tv_<p>`, `<p>_<covariate>[_<level>]`, `omega_<p>`, `corr_<p>_<q>`, `sigma` (`sigma_add`, `sigma_prop`).
    public var name: String
    public var value: Double
    public var standardError: Double?
    public var lower: Double?
    public var upper: Double?

    /// 100·SE/|estimate|.
    public var relativeStandardErrorPercent: Double? {
        standardError.map { 100 * $0 / abs(value) }
    }
}

/// A subject's conditional mode and what follows from it.
public struct PopulationIndividual: Sendable {
    public var subject: String
    /// η̂, one per random parameter (in ``PopulationFit/randomNames`` order).
    public var eta: [Double]
    /// Individual parameters on the natural scale (in ``PopulationFit/parameterNames`` order).
    public var parameters: [Double]
    /// Cmax and Tmax of the individual curve, its exact AUC0–28 and AUC0–90 (built-in models: closed form;
    /// formula models: from a fine grid, Simpson's rule).
    public var cmax: Double?, tmax: Double?, auc0to28: Double?, auc0to90: Double?
    /// Samples used (quantified and censored), censored among them, and rows not used.
    public var used: Int, censored: Int, blqDropped: Int, missing: Int, preInfusion: Int
}

/// The result of a population fit.
public struct PopulationFit: Sendable {
    public var parameterNames: [String]
    public var randomNames: [String]
    /// `tv_*`, covariate terms, `omega_*` (SDs of η), `corr_*` (correlations within Ω's blocks), residual SDs,
    /// in that order.
    public var estimates: [PopulationEstimate]
    /// −2 ln L from ``marginalMethod`` at the estimates.
    public var minus2LogLikelihood: Double
    /// The Laplace (FOCE-I-type) −2 ln L at the estimates, the objective of the first optimisation stage.
    public var laplaceMinus2LogLikelihood: Double
    public var marginalMethod: MarginalMethod
    /// Number of estimated quantities k (fixed effects, covariate terms, Ω's Cholesky parameters, σ).
    public var estimatedCount: Int
    /// −2 ln L + 2k.
    public var aic: Double { minus2LogLikelihood + 2 * Double(estimatedCount) }
    /// −2 ln L + k·ln(n_observations), n counting quantified and censored observations used.
    public var bic: Double { minus2LogLikelihood + Double(estimatedCount) * Foundation.log(Double(observationCount)) }
    public var subjectCount: Int
    public var observationCount: Int
    public var censoredCount: Int
    public var converged: Bool
    /// `converged (…)` or `not converged: …`.
    public var status: String
    public var notes: [String]
    /// 1 − SD(η̂_k)/ω_k per random parameter.
    public var etaShrinkage: [Double]
    /// 1 − SD(IWRES) over quantified observations.
    public var epsilonShrinkage: Double
    /// Ratio of the largest to the smallest eigenvalue of the estimates' correlation matrix; nil without SEs.
    public var conditionNumber: Double?
    public var individuals: [PopulationIndividual]
    /// Outer iterations and objective evaluations (each one mode search per subject).
    public var iterations: Int
    public var evaluations: Int
    /// Where the standard errors come from (which Hessian, or the sandwich), in words.
    public var standardErrorMethod: String

    /// Ω at the estimates: r×r, column-major, in ``randomNames`` order (diagonal unless the model has blocks) —
    /// what a simulation from the fit (a VPC) draws η from.
    public var omegaMatrix: [Double] = []

    /// The estimate named `name`.
    public func estimate(_ name: String) -> PopulationEstimate? { estimates.first { $0.name == name } }
}
