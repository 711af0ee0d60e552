import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// A logistic regression of a binary outcome on one covariate: logit P(y = 1) = β₀ + β₁·x.
public struct LogisticFit: Sendable, Equatable {
    /// How the coefficients were estimated.
    public enum Method: String, Sendable, Equatable {
        /// Maximum likelihood.
        case ml
        /// Firth's penalised likelihood (Firth 1993; Heinze & Schemper 2002).
        case firth
    }

    /// Observations used.
    public var count: Int
    /// The estimator.
    public var method: Method
    /// β₀.
    public var intercept: Double
    /// β₁.
    public var slope: Double
    /// Wald standard error of β₁: √[(XᵀWX)⁻¹]₁₁ at the estimate.
    public var slopeStandardError: Double
    /// β₁ − z(1 − α/2)·SE.
    public var slopeLower: Double
    /// β₁ + z(1 − α/2)·SE.
    public var slopeUpper: Double
    /// Two-sided confidence level of the Wald interval.
    public var confidenceLevel: Double
    /// Likelihood-ratio statistic against the intercept-only model (penalised for Firth).
    public var likelihoodRatio: Double
    /// P(χ²₁ > likelihoodRatio).
    public var likelihoodRatioP: Double
    /// The maximised (for Firth: penalised) log-likelihood.
    public var logLikelihood: Double
    /// Whether the outcome is (quasi-)completely separated by x, so that the ML estimate does not exist.
    public var separated: Bool
    /// Newton iterations of the final fit.
    public var iterations: Int

    /// exp(β₁·ln 2): the odds ratio for a doubling of the exposure when x = ln(exposure).
    public var oddsRatioPerDoubling: Double { exp(slope * log(2)) }
}

/// Why a logistic regression was not computed.
public enum LogisticRegressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Both outcomes are needed.
    case oneOutcomeOnly
    /// x needs at least two distinct values.
    case constantCovariate
    /// The Newton iteration did not converge.
    case notConverged(iterations: Int)
    /// A failure inside the least-squares layer.
    case leastSquares(LeastSquaresError)
    /// A failure inside the LAPACK layer.
    case lapack(LAPACKError)

    /// A one-line message.
    public var description: String {
        switch self {
        case .oneOutcomeOnly: "both outcomes are needed"
        case .constantCovariate: "the covariate takes a single value"
        case .notConverged(let iterations): "no convergence in \(iterations) Newton iterations"
        case .leastSquares(let error): error.description
        case .lapack(let error): "\(error)"
        }
    }
}

/// Logistic regression by Newton–Raphson (iteratively reweighted least squares) with Firth's correction
/// when maximum likelihood has no solution.
public enum LogisticRegression {
    /// Fits logit P(yᵢ = 1) = β₀ + β₁·xᵢ.
    ///
    /// **Likelihood.** ℓ(β) = Σ yᵢηᵢ − ln(1 + e^{ηᵢ}), ηᵢ = β₀ + β₁xᵢ, pᵢ = 1/(1 + e^{−ηᵢ}),
    /// W = diag(pᵢ(1 − pᵢ)), Fisher information I(β) = XᵀWX.
    ///
    /// **Newton step.** δ = I(β)⁻¹·U(β) with U = Xᵀ(y − p) (ML) or Firth's modified score
    /// U* = Xᵀ(y − p + h∘(½ − p)), hᵢ the diagonal of W^{½}X(XᵀWX)⁻¹XᵀW^{½}. δ is computed as the linear
    /// least-squares solution of W^{½}X·δ ≈ W^{−½}(y − p + …) through `LinearLeastSquares` (pivoted QR with
    /// refinement); the step is capped at 5 in each coordinate (as R's `logistf`, `maxstep = 5`) and halved
    /// until the objective — ℓ, or for Firth ℓ* = ℓ + ½ ln det I(β) (ln det from the diagonal of the QR
    /// factor of W^{½}X) — does not decrease. Iteration stops when max|δ| ≤ 1e-10·max(1, |β|) and the
    /// objective no longer increases, so the reported optimum is converged far beyond `logistf`'s default
    /// (`xconv = 1e-4`); compare with `logistf(..., control = logistf.control(xconv = 1e-10, gconv = 1e-10))`.
    ///
    /// **Separation.** With one covariate, the ML estimate exists iff the outcomes overlap in x:
    /// max{x : y = 0} > min{x : y = 1} and max{x : y = 1} > min{x : y = 0}; otherwise a threshold c splits
    /// the outcomes (completely, or quasi-completely with ties at c), ℓ increases without bound as |β₁| → ∞
    /// and fitted probabilities tend to 0/1. This exact test decides, not a diverging iteration; Firth is then
    /// used (`method = .firth`), as it also is with `firth: true`. ML that fails to converge on overlapping
    /// data (not expected) also falls back to Firth.
    ///
    /// **Inference.** SE(β₁) = √[I(β̂)⁻¹]₁₁ — for Firth the information at the penalised estimate, as
    /// `logistf`'s `vcov`; Wald limits β₁ ∓ z(1 − α/2)·SE. Likelihood ratio LR = 2(ℓ(β̂) − ℓ(β̂₀)) against the
    /// intercept-only ML fit (ℓ₀ = n₁ ln(n₁/n) + n₀ ln(n₀/n)); for Firth, as `logistf` computes it,
    /// LR = 2(ℓ*(β̂) − ℓ*(β̃₀, 0)) where β̃₀ maximises the full model's penalised likelihood with the slope
    /// fixed at 0 (so the penalty is ½ ln det of the two-column information, not of the intercept-only
    /// model's). p = P(χ²₁ > LR).
    ///
    /// - Parameters:
    ///   - x: the covariate (ln exposure for exposure–response), finite.
    ///   - y: the outcomes, one per x.
    ///   - firth: use Firth's penalised likelihood even when the ML estimate exists.
    ///   - confidenceLevel: of the Wald interval (default 0.95).
    public static func fit(
        x: [Double], y: [Bool], firth: Bool = false, confidenceLevel: Double = 0.95
    )
        throws(LogisticRegressionError) -> LogisticFit
    {
        precondition(x.count == y.count, "one outcome per covariate value")
        precondition(x.allSatisfy(\.isFinite), "covariate values must be finite")
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must lie in (0, 1)")
        let ones = x.indices.filter { y[$0] }.map { x[$0] }
        let zeros = x.indices.filter { !y[$0] }.map { x[$0] }
        guard let min1 = ones.min(), let max1 = ones.max(), let min0 = zeros.min(), let max0 = zeros.max() else {
            throw .oneOutcomeOnly
        }
        guard Set(x).count >= 2 else { throw .constantCovariate }
        let separated = !(max0 > min1 && max1 > min0)
        let n = x.count
        let design = Matrix(rows: n, columns: 2) { i, j in j == 0 ? 1 : x[i] }
        let outcomes = y.map { $0 ? 1.0 : 0.0 }
        let mean = Double(ones.count) / Double(n)
        let start = [log(mean / (1 - mean)), 0]

        var method: LogisticFit.Method = firth || separated ? .firth : .ml
        var full: Newton.Result
        if method == .ml, let ml = try? Newton.maximise(design, outcomes, penalised: false, start: start) {
            full = ml
        } else {
            method = .firth
            full = try Newton.maximise(design, outcomes, penalised: true, start: start)
        }
        let null: Double
        if method == .ml {
            let m1 = Double(ones.count)
            let m0 = Double(zeros.count)
            let total = Double(n)
            null = m1 * log(m1 / total) + m0 * log(m0 / total)
        } else {
            // logistf's null model: the slope fixed at 0 in the full penalised likelihood (the penalty keeps
            // the two-column information), the intercept re-estimated.
            null = try Newton.maximise(design, outcomes, penalised: true, start: [start[0], 0], free: [0]).objective
        }
        let se = full.covariance[1, 1].squareRoot()
        let z = Normal.quantile(1 - (1 - confidenceLevel) / 2)
        let ratio = max(0, 2 * (full.objective - null))
        return LogisticFit(
            count: n, method: method, intercept: full.beta[0], slope: full.beta[1], slopeStandardError: se,
            slopeLower: full.beta[1] - z * se, slopeUpper: full.beta[1] + z * se, confidenceLevel: confidenceLevel,
            likelihoodRatio: ratio, likelihoodRatioP: ChiSquare.upperTail(ratio, degreesOfFreedom: 1),
            logLikelihood: full.objective, separated: separated, iterations: full.iterations)
    }

    /// Newton–Raphson on the (penalised) logistic log-likelihood for any design X (n × k).
    enum Newton {
        struct Result {
            var beta: [Double]
            /// ℓ, or ℓ* when penalised.
            var objective: Double
            /// (XᵀWX)⁻¹ at `beta`.
            var covariance: Matrix
            var iterations: Int
        }

        /// The quantities at one β: probabilities, weights, objective, (XᵀWX)⁻¹ and hat values.
        struct State {
            var beta: [Double]
            var p: [Double]
            var w: [Double]
            var objective: Double
            var covariance: Matrix
            var hat: [Double]
        }

        static let maximumIterations = 500

        /// Maximises over the coefficients listed in `free` (nil: all); the others stay at their `start`.
        /// Hat values and the penalty always use the whole design, as `logistf.fit(col.fit =)` does.
        static func maximise(
            _ x: Matrix, _ y: [Double], penalised: Bool, start: [Double], free: [Int]? = nil
        )
            throws(LogisticRegressionError) -> Result
        {
            let columns = free ?? Array(0..<x.columns)
            var state = try evaluate(x, y, start, penalised: penalised)
            for iteration in 1...maximumIterations {
                let n = x.rows
                let k = columns.count
                // Right-hand side W^{-½}(y − p + h(½ − p)); W^{½}X as the design.
                var rhs = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    var score = y[i] - state.p[i]
                    if penalised { score += state.hat[i] * (0.5 - state.p[i]) }
                    rhs[i] = score / state.w[i].squareRoot()
                }
                let weighted = Matrix(rows: n, columns: k) { i, j in x[i, columns[j]] * state.w[i].squareRoot() }
                let solution: LinearFit
                do {
                    solution = try LinearLeastSquares.solve(design: weighted, response: rhs)
                } catch {
                    throw .leastSquares(error)
                }
                guard solution.rank == k else { throw .constantCovariate }
                var delta = [Double](repeating: 0, count: x.columns)
                for (j, column) in columns.enumerated() { delta[column] = solution.coefficients[j] }
                let largest = delta.map(abs).max() ?? 0
                if largest > 5 { delta = delta.map { $0 * 5 / largest } }
                var accepted: State?
                for _ in 0..<60 {
                    let trial = zip(state.beta, delta).map { $0 + $1 }
                    if let next = try? evaluate(x, y, trial, penalised: penalised), next.objective >= state.objective {
                        accepted = next
                        break
                    }
                    delta = delta.map { $0 / 2 }
                }
                let size = zip(delta, state.beta).map { abs($0) / max(1, abs($1)) }.max() ?? 0
                guard let next = accepted else {
                    // No step improves the objective: at the optimum to rounding.
                    return Result(
                        beta: state.beta, objective: state.objective, covariance: state.covariance,
                        iterations: iteration)
                }
                state = next
                if size <= 1e-10 {
                    return Result(
                        beta: state.beta, objective: state.objective, covariance: state.covariance,
                        iterations: iteration)
                }
            }
            throw .notConverged(iterations: maximumIterations)
        }

        /// Evaluates the model at β; throws when a weight underflows (fitted probability 0 or 1).
        static func evaluate(
            _ x: Matrix, _ y: [Double], _ beta: [Double], penalised: Bool
        )
            throws(LogisticRegressionError) -> State
        {
            let n = x.rows
            let k = x.columns
            var p = [Double](repeating: 0, count: n)
            var w = p
            var logLikelihood = 0.0
            for i in 0..<n {
                var eta = 0.0
                for j in 0..<k { eta += x[i, j] * beta[j] }
                // ln(1 + e^η) without overflow; p and 1 − p each from their own exponential.
                let softplus = max(eta, 0) + log1p(exp(-abs(eta)))
                logLikelihood += y[i] * eta - softplus
                p[i] = eta >= 0 ? 1 / (1 + exp(-eta)) : exp(eta) / (1 + exp(eta))
                let q = eta >= 0 ? exp(-eta) / (1 + exp(-eta)) : 1 / (1 + exp(eta))
                w[i] = p[i] * q
            }
            guard logLikelihood.isFinite, w.allSatisfy({ $0 > 0 && $0.isNormal }) else {
                throw .notConverged(iterations: 0)
            }
            var qr: QRWorkspace
            do throws(LAPACKError) {
                qr = try QRWorkspace(rows: n, columns: k, pivoting: true)
                try qr.factor(Matrix(rows: n, columns: k) { i, j in x[i, j] * w[i].squareRoot() })
            } catch {
                throw .lapack(error)
            }
            guard qr.rank(relativeTolerance: 1e-13) == k else { throw .constantCovariate }
            let covariance: Matrix
            do throws(LAPACKError) {
                var inverse = [Double](repeating: 0, count: k * k)
                try inverse.withUnsafeMutableBufferPointer { (buffer) throws(LAPACKError) in
                    try qr.inverseGram(into: buffer)
                }
                covariance = try Matrix(rows: k, columns: k, elements: inverse)
            } catch {
                throw .lapack(error)
            }
            var objective = logLikelihood
            // ½ ln det(XᵀWX) = Σ ln|R_jj|.
            if penalised { for j in 0..<k { objective += log(abs(qr.r(j, j))) } }
            var hat = [Double](repeating: 0, count: n)
            if penalised {
                for i in 0..<n {
                    var quadratic = 0.0
                    for a in 0..<k { for b in 0..<k { quadratic += x[i, a] * covariance[a, b] * x[i, b] } }
                    hat[i] = w[i] * quadratic
                }
            }
            return State(beta: beta, p: p, w: w, objective: objective, covariance: covariance, hat: hat)
        }
    }
}
