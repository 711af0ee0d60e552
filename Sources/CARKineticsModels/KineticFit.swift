import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// One estimated parameter on its natural scale, with its uncertainty.
public struct ParameterEstimate: Sendable, Equatable {
    /// Output name (`cmax`, `tmax`, `rho`, `alpha`, `beta`, `fb`, or a formula parameter's name).
    public var name: String
    public var value: Double
    /// Standard error by the delta method from the estimation-scale covariance σ²(JᵀJ)⁻¹; nil when the
    /// covariance does not exist (no residual degrees of freedom, singular Jacobian, boundary estimate).
    public var standardError: Double?
    /// 95% confidence limits, computed on the estimation scale (log for positive quantities, logit for fb)
    /// with the Student-t quantile on n − p degrees of freedom and mapped back, so they stay in the valid region.
    public var lower: Double?
    public var upper: Double?

    public init(name: String, value: Double, standardError: Double?, lower: Double?, upper: Double?) {
        self.name = name
        self.value = value
        self.standardError = standardError
        self.lower = lower
        self.upper = upper
    }
}

/// How a per-subject fit ended.
public enum FitStatus: Sendable, Equatable, CustomStringConvertible {
    /// The optimiser converged.
    case converged
    /// The best fit lies on the boundary of the parameter space; the associated text says which parameter.
    case boundary(String)
    /// The optimiser stopped without meeting its convergence tests (the reason is the termination).
    case notConverged(String)
    /// Fewer usable samples than the model needs.
    case tooFewSamples(have: Int, need: Int)
    /// The profile has the samples but not the shape the model needs (e.g. no rising sample before the peak).
    case notIdentifiable(String)

    public var description: String {
        switch self {
        case .converged: "converged"
        case .boundary(let what): "converged at boundary: \(what)"
        case .notConverged(let why): "not converged: \(why)"
        case .tooFewSamples(let have, let need): "too few samples: \(have) quantifiable at t >= 0, model needs \(need)"
        case .notIdentifiable(let why): "not identifiable: \(why)"
        }
    }

    /// True when parameter values are reported.
    public var hasEstimates: Bool {
        switch self {
        case .converged, .boundary, .notConverged: true
        case .tooFewSamples, .notIdentifiable: false
        }
    }
}

/// The result of fitting one subject's profile.
public struct KineticFit: Sendable {
    /// The model reported: a ``KineticModel`` raw value (for `auto`, the one chosen) or `formula`.
    public var model: String
    public var status: FitStatus
    /// Quantifiable samples at t ≥ 0 that the fit used.
    public var sampleCount: Int
    /// Natural-scale estimates in the model's order; empty when the status has no estimates.
    public var estimates: [ParameterEstimate]
    /// The fitted curve, for built-in models with estimates.
    public var curve: CurveParameters?
    /// Σ (ln y − ln f)².
    public var ssr: Double?
    /// √(ssr / (n − p)).
    public var residualStandardDeviation: Double?
    /// Gaussian AIC on the log scale as R's `AIC()` computes it for least squares:
    /// n·(ln(2π·ssr/n) + 1) + 2(p + 1), counting σ as a parameter.
    public var aic: Double?
    /// Same likelihood with penalty (p + 1)·ln n.
    public var bic: Double?
    public var iterations: Int
    public var evaluations: Int
    /// Why `auto` chose this model, or which boundary was reached; nil otherwise.
    public var note: String?
    /// How BLQ samples entered the fit: `drop` (not used; least squares) or `m3` (censored likelihood,
    /// `Censored/CensoredFit.swift`). An `m3` fit of a profile without usable BLQ samples is the least-squares fit.
    public var blqMethod: CensoringMethod = .drop
    /// −2 ln L on the log scale at the estimates, σ estimated: for least squares n·(ln(2π·ssr/n) + 1) (the
    /// likelihood behind ``aic``), for M3 the censored objective (docs/fitting.md).
    public var minus2LogLikelihood: Double?
    /// Maximum-likelihood residual SD σ on the log scale: √(ssr/n) for least squares, M3's estimate otherwise.
    public var sigma: Double?
    /// BLQ samples that entered the likelihood as censored (M3); 0 for least squares.
    public var censoredCount = 0

    /// The estimate named `name`, if the model has it.
    public func estimate(_ name: String) -> ParameterEstimate? {
        estimates.first { $0.name == name }
    }
}

extension KineticFit {
    /// A result without estimates; `status` says why.
    static func unfitted(model: String, status: FitStatus, sampleCount: Int) -> KineticFit {
        KineticFit(
            model: model, status: status, sampleCount: sampleCount, estimates: [], curve: nil, ssr: nil,
            residualStandardDeviation: nil, aic: nil, bic: nil, iterations: 0, evaluations: 0, note: nil)
    }

    /// A fitted result whose residual SD, AIC and BIC follow from the sum of squares, the `sampleCount` n and
    /// the `parameterCount` p of the curve (σ counted as one more parameter in the criteria).
    init(
        model: String, status: FitStatus, sampleCount n: Int, parameterCount p: Int, estimates: [ParameterEstimate],
        curve: CurveParameters?, ssr: Double, iterations: Int, evaluations: Int, note: String?
    ) {
        let count = Double(n)
        let likelihood = count * (Foundation.log(2 * Double.pi * ssr / count) + 1)
        self.init(
            model: model, status: status, sampleCount: n, estimates: estimates, curve: curve, ssr: ssr,
            residualStandardDeviation: n > p ? (ssr / Double(n - p)).squareRoot() : nil,
            aic: likelihood + 2 * Double(p + 1), bic: likelihood + Double(p + 1) * Foundation.log(count),
            iterations: iterations, evaluations: evaluations, note: note)
        minus2LogLikelihood = likelihood
        sigma = (ssr / count).squareRoot()
    }
}
