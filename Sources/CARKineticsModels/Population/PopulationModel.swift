import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// The structural model of a population fit: the curve C = f(t; φ) every subject shares.
public enum PopulationStructure: Sendable {
    /// Stein et al. 2019: t ≤ Tmax: Cmax·e^(ρ(t−Tmax)); t > Tmax: Cmax·((1−fb)e^(−α(t−Tmax)) + fb·e^(−β(t−Tmax))).
    /// Parameters cmax, tmax, rho, alpha, beta (log-normal) and fb (logit-normal).
    case stein
    /// As `stein` with fb = 0: cmax, tmax, rho, alpha.
    case expansionMonoexp
    /// A formula `C = f(t, columns…; θ)`, bound with its parameters first and then the variables `t` and the
    /// subject-level columns it names (``variables`` after `t`). Parameters enter as written (additive η).
    case formula(BoundFormula, columns: [String])

    /// Parameter names in estimation order.
    public var parameterNames: [String] {
        switch self {
        case .stein: ["cmax", "tmax", "rho", "alpha", "beta", "fb"]
        case .expansionMonoexp: ["cmax", "tmax", "rho", "alpha"]
        case .formula(let formula, _): formula.parameterNames
        }
    }

    /// How each parameter maps to the scale on which it is normal between subjects.
    public var transforms: [ParameterTransform] {
        switch self {
        case .stein: [.log, .log, .log, .log, .log, .logit]
        case .expansionMonoexp: [.log, .log, .log, .log]
        case .formula(let formula, _): Array(repeating: .identity, count: formula.parameterCount)
        }
    }

    /// Subject-level data columns the model reads (formula variables other than `t`).
    public var columns: [String] {
        if case .formula(_, let columns) = self { return columns }
        return []
    }

    /// True when the curve is evaluated natively on the log scale (built-in models).
    var nativeLog: Bool {
        if case .formula = self { return false }
        return true
    }

    /// The prediction at `t` for transformed-scale parameters `psi`: ln f when `logScale`, otherwise f; its
    /// derivatives with respect to `psi` are written to `gradient` (`parameterNames.count` entries) when given.
    /// `columns` holds the subject's values of ``columns``; `scratch` needs `parameterNames.count + 1` entries.
    @inline(__always)
    func predict(
        t: Double, psi: UnsafeBufferPointer<Double>, columns: UnsafeBufferPointer<Double>, logScale: Bool,
        gradient: UnsafeMutableBufferPointer<Double>?, scratch: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        switch self {
        case .stein, .expansionMonoexp:
            let logF = steinSmoothLogValue(t: t, psi: psi, bi: isStein, gradient: gradient)
            guard !logScale else { return logF }
            let f = Foundation.exp(logF)
            if let gradient { for j in 0..<parameterCount { gradient[j] *= f } }
            return f
        case .formula(let formula, let names):
            let n = formula.parameterCount
            scratch[0] = t
            for k in 0..<names.count { scratch[1 + k] = columns[k] }
            let variables = UnsafeBufferPointer(rebasing: scratch[0..<(1 + names.count)])
            let parameters = psi
            let f: Double
            if let gradient {
                f = formula.value(parameters: parameters, variables: variables, gradient: gradient)
            } else {
                f = formula.value(parameters: parameters, variables: variables)
            }
            guard logScale else { return f }
            if let gradient { for j in 0..<n { gradient[j] /= f } }
            return Foundation.log(f)
        }
    }

    var parameterCount: Int {
        switch self {
        case .stein: 6
        case .expansionMonoexp: 4
        case .formula(let formula, _): formula.parameterCount
        }
    }

    private var isStein: Bool {
        if case .stein = self { return true }
        return false
    }

    /// For built-in models: ∂ ln C/∂ψ of the rising branch and of the declining branch at `t` (each extended past
    /// Tmax), and Tmax; nil for formulas. The curve is continuous at Tmax but these derivatives differ there.
    func branchGradients(
        t: Double, psi: UnsafeBufferPointer<Double>, rising: UnsafeMutableBufferPointer<Double>,
        declining: UnsafeMutableBufferPointer<Double>
    ) -> Double? {
        guard nativeLog else { return nil }
        _ = steinLogValue(t: t, psi: psi, bi: isStein, gradient: rising, branch: 1)
        _ = steinLogValue(t: t, psi: psi, bi: isStein, gradient: declining, branch: 2)
        return Foundation.exp(psi[1])
    }

    /// The kink width of the population Stein likelihood, in units of ln C (see ``steinSmoothLogValue``).
    static let kinkWidth = 0.02

    /// ln C of the Stein model with its kink at Tmax rounded off: ln C = smin(r, d) with r the rising and d the
    /// declining branch, each extended past Tmax (the exact model is min(r, d): r < d before Tmax, d < r after),
    /// and smin(r, d) = −τ·ln(e^(−r/τ) + e^(−d/τ)), τ = ``kinkWidth``.
    ///
    /// Why: with the exact kink, F_i(η) has a convex kink wherever Tmax equals a sample time (a sample above the
    /// curve pulls the peak onto itself), conditional modes sit on those kinks, the Newton iteration cannot
    /// converge there and the Laplace objective is not differentiable in the population parameters — which
    /// stalled the outer optimisation. The rounding changes ln C by at most τ·ln 2 = 0.014 (1.4%, at t = Tmax
    /// only) and by less than 1e-6 once |r − d| > 14τ (for typical parameters, more than ~0.03 days from Tmax),
    /// far below the residual SD of CAR-T data; the reported Cmax, Tmax and the individual curves are those of
    /// the exact model.
    @inline(__always)
    private func steinSmoothLogValue(
        t: Double, psi: UnsafeBufferPointer<Double>, bi: Bool,
        gradient g: UnsafeMutableBufferPointer<Double>?
    ) -> Double {
        let count = bi ? 6 : 4
        let tau = Self.kinkWidth
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 12) { buffer in
            let gr = UnsafeMutableBufferPointer(rebasing: buffer[0..<6])
            let gd = UnsafeMutableBufferPointer(rebasing: buffer[6..<12])
            let r = steinLogValue(t: t, psi: psi, bi: bi, gradient: g == nil ? nil : gr, branch: 1)
            let d = steinLogValue(t: t, psi: psi, bi: bi, gradient: g == nil ? nil : gd, branch: 2)
            let low = min(r, d)
            let gap = abs(r - d)
            guard gap.isFinite else { return steinLogValue(t: t, psi: psi, bi: bi, gradient: g) }
            let e = Foundation.exp(-gap / tau)
            if let g {
                // ∂smin/∂r = e^(−r/τ)/(e^(−r/τ) + e^(−d/τ)): 1/(1 + e) for the lower branch, e/(1 + e) for the other.
                let wLow = 1 / (1 + e)
                let wHigh = e / (1 + e)
                let (wr, wd) = r <= d ? (wLow, wHigh) : (wHigh, wLow)
                for j in 0..<count { g[j] = wr * gr[j] + wd * gd[j] }
            }
            return low - tau * Foundation.log1p(e)
        }
    }

    /// ln C for ψ = (ln Cmax, ln Tmax, ln ρ, ln α[, ln β, logit fb]) and ∂ ln C/∂ψ.
    @inline(__always)
    private func steinLogValue(
        t: Double, psi: UnsafeBufferPointer<Double>, bi: Bool,
        gradient g: UnsafeMutableBufferPointer<Double>?, branch: Int = 0
    ) -> Double {
        let tmax = Foundation.exp(psi[1])
        let rho = Foundation.exp(psi[2])
        let alpha = Foundation.exp(psi[3])
        let count = bi ? 6 : 4
        if let g {
            for j in 0..<count { g[j] = 0 }
            g[0] = 1
        }
        if branch == 1 || (branch == 0 && t <= tmax) {
            if let g {
                g[1] = -rho * tmax
                g[2] = rho * (t - tmax)
            }
            return psi[0] + rho * (t - tmax)
        }
        let tau = t - tmax
        guard bi else {
            if let g {
                g[1] = alpha * tmax
                g[3] = -alpha * tau
            }
            return psi[0] - alpha * tau
        }
        let beta = Foundation.exp(psi[4])
        let logit = psi[5]
        let logFraction = -softplus(-logit)
        let logComplement = -softplus(logit)
        // Log-sum-exp of the two phases around the larger one, so neither underflows the sum.
        let fast = logComplement - alpha * tau
        let slow = logFraction - beta * tau
        let fastIsHigh = fast >= slow
        let e = Foundation.exp(fastIsHigh ? slow - fast : fast - slow)
        let logS = (fastIsHigh ? fast : slow) + Foundation.log1p(e)
        if let g {
            let high = 1 / (1 + e)
            let low = e * high
            let wf = fastIsHigh ? high : low
            let ws = fastIsHigh ? low : high
            g[1] = tmax * (alpha * wf + beta * ws)
            g[3] = -alpha * tau * wf
            g[4] = -beta * tau * ws
            // ∂ ln S/∂logit = ws·(1 − fb) − wf·fb.
            g[5] = ws * Foundation.exp(logComplement) - wf * Foundation.exp(logFraction)
        }
        return psi[0] + logS
    }
}

/// The scale on which a parameter varies normally between subjects.
public enum ParameterTransform: String, Sendable {
    /// φ = e^ψ: positive parameters, log-normal between subjects.
    case log
    /// φ = 1/(1 + e^(−ψ)): fractions, logit-normal.
    case logit
    /// φ = ψ: formula parameters, η added as written.
    case identity

    /// φ for ψ.
    public func natural(_ psi: Double) -> Double {
        switch self {
        case .log: Foundation.exp(psi)
        case .logit: logistic(psi)
        case .identity: psi
        }
    }

    /// ψ for φ (nil when φ is outside the parameter's range).
    public func transformed(_ phi: Double) -> Double? {
        switch self {
        case .log: phi > 0 ? Foundation.log(phi) : nil
        case .logit: phi > 0 && phi < 1 ? Foundation.log(phi / (1 - phi)) : nil
        case .identity: phi
        }
    }
}

/// The residual error model. Predictions f, observations y.
public enum ResidualError: String, Sendable, CaseIterable {
    /// ln y = ln f + ε, ε ~ N(0, σ²) (σ on the log scale). Observations of 0 are below the limit.
    case logAdditive = "log-additive"
    /// y = f + ε, SD σ.
    case additive
    /// y = f + ε, SD σ·f.
    case proportional
    /// y = f + ε, SD √(σ_add² + σ_prop²·f²).
    case combined

    /// Names of the residual parameters, in estimation order.
    public var parameterNames: [String] {
        switch self {
        case .logAdditive, .additive, .proportional: ["sigma"]
        case .combined: ["sigma_add", "sigma_prop"]
        }
    }
}

/// What a population or per-subject fit does with observations below the limit of quantification.
public enum CensoringMethod: String, Sendable, CaseIterable {
    /// Beal's M3: each BLQ sample contributes P(Y < LLOQ) = Φ((g(LLOQ) − g(f))/SD).
    case m3
    /// BLQ samples are not used (and counted).
    case drop
}

/// A covariate effect on one structural parameter.
public struct CovariateEffect: Sendable, Equatable {
    /// The parameter it acts on (a structural parameter name).
    public var parameter: String
    /// The data column (constant within a subject).
    public var column: String

    public init(parameter: String, column: String) {
        self.parameter = parameter
        self.column = column
    }
}

/// Everything that defines a population model apart from the data.
///
/// Subject i's parameter k on its transformed scale is
/// `ψ_ik = μ_k + Σ_c β_kc·z_ic + η_ik`, η_i ~ N(0, Ω), where z is `ln(x/median x)` for a
/// continuous covariate (so a log-transformed parameter follows the power model `tv·(x/median)^β·e^η`) and the
/// indicator of each level after the first for a categorical one (the multiplier `e^β` against the first level
/// for log-transformed parameters). Only parameters listed in ``random`` carry an η. Ω is diagonal except
/// within the ``blocks``: the random effects of a block are correlated (a full covariance block, NONMEM's
/// `$OMEGA BLOCK`), estimated through its Cholesky factor.
public struct PopulationModel: Sendable {
    public var structure: PopulationStructure
    /// Names of the parameters that vary between subjects.
    public var random: [String]
    public var covariates: [CovariateEffect]
    public var error: ResidualError
    public var censoring: CensoringMethod
    /// Starting typical values on the natural scale, by name (built-in models have defaults; formula models need
    /// one for every parameter).
    public var start: [String: Double]
    /// Groups of random parameters with a full covariance block in Ω (each two or more names from ``random``,
    /// disjoint); the other random effects are independent. Empty: Ω diagonal.
    public var blocks: [[String]]

    public init(
        structure: PopulationStructure, random: [String]? = nil, covariates: [CovariateEffect] = [],
        error: ResidualError? = nil, censoring: CensoringMethod = .m3, start: [String: Double] = [:],
        blocks: [[String]] = []
    ) {
        self.blocks = blocks
        self.structure = structure
        self.random = random ?? structure.parameterNames
        self.covariates = covariates
        self.error = error ?? (structure.nativeLog ? .logAdditive : .additive)
        self.censoring = censoring
        self.start = start
    }
}

/// Why a population model cannot be estimated (the message says what to change).
public struct PopulationFitError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot be estimated: \(message)" }
}

extension PopulationStructure {
    /// A formula model `C = f(t, …; θ)`: every right-side name that is neither a parameter nor `t` is a
    /// subject-level data column (such as `Dose`).
    /// - Throws: ``FormulaError`` for a formula that does not parse, a parameter missing from it, or a
    ///   transformed left side (the error model is chosen separately).
    public static func formula(_ text: String, parameters: [String]) throws(FormulaError) -> PopulationStructure {
        let parsed = try Formula(parsing: text)
        if let unused = parameters.first(where: { !parsed.identifiers.contains($0) }) {
            throw FormulaError(
                .invalidName, column: nil, "parameter '\(unused)' has a start value but does not appear in the formula")
        }
        if parsed.transformsResponse {
            throw FormulaError(
                .invalidLeftSide, column: nil,
                "a population formula is written C = f(t); the residual error model (--error) sets the scale")
        }
        let columns = parsed.identifiers.filter { $0 != "t" && !parameters.contains($0) }
        return .formula(try parsed.bind(parameters: parameters, variables: ["t"] + columns), columns: columns)
    }
}
