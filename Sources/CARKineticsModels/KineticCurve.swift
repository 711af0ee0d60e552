import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// The family of piecewise exponential curves behind every built-in CAR-T model, evaluated on the natural-log
/// scale and differentiated exactly with respect to its estimation-scale parameters.
///
/// A curve is an optional exponential expansion phase up to Tmax followed by a decline:
/// - expansion (t ≤ Tmax): ln C = ln Cmax + ρ·(t − Tmax)
/// - decline (τ = t − Tmax > 0): ln C = ln Cmax + ln S(τ), with
///   S = e^(−ατ) (mono-exponential), S = (1 − fb)·e^(−ατ) + fb·e^(−βτ) (bi-exponential, α > β), or
///   S = (1 − fb)·e^(−ατ) + fb (bi-exponential with β = 0, the boundary the persistence rate reaches when late
///   samples do not decline).
///
/// Estimation scale: ln Cmax, ln Tmax, ln ρ, and for the decline ln α (mono), or ln(α − β), ln β, logit fb (bi),
/// or ln α, logit fb (bi with β = 0). Every value of the estimation vector maps to a valid curve (positive rates,
/// 0 < fb < 1, α > β), so the optimiser cannot leave the valid region. Without an expansion phase Tmax is fixed
/// (the observed Tmax) and only samples at t ≥ Tmax are fitted. An expansion curve may also have Tmax fixed
/// (see ``fixedTmax``); its estimation vector then omits ln Tmax.
struct KineticCurve: Sendable, Equatable {
    enum Decline: Sendable, Equatable {
        case monoExponential
        case biExponential
        case biExponentialFlat
    }

    /// True when the curve rises exponentially (ρ estimated) before Tmax; false for contraction-only curves.
    var hasExpansion: Bool
    var decline: Decline
    /// Tmax when it is not estimated: contraction-only curves, and expansion curves whose optimum sits on the
    /// kink where Tmax equals a sample time (the objective is not differentiable in Tmax there).
    var fixedTmax: Double = 0
    /// True when Tmax is an estimated parameter (expansion curves unless pinned to a sample time).
    var estimatesTmax: Bool

    init(hasExpansion: Bool, decline: Decline, fixedTmax: Double? = nil) {
        self.hasExpansion = hasExpansion
        self.decline = decline
        self.fixedTmax = fixedTmax ?? 0
        estimatesTmax = hasExpansion && fixedTmax == nil
    }

    /// Index of ln Tmax in the estimation vector, when estimated.
    var tmaxIndex: Int? { estimatesTmax ? 1 : nil }
    /// Index of ln ρ in the estimation vector, for expansion curves.
    var rhoIndex: Int? { hasExpansion ? (estimatesTmax ? 2 : 1) : nil }

    var parameterCount: Int {
        declineOffset + declineParameterCount
    }

    var declineParameterCount: Int {
        switch decline {
        case .monoExponential: 1
        case .biExponential: 3
        case .biExponentialFlat: 2
        }
    }

    /// Index of the first decline parameter in the estimation vector.
    var declineOffset: Int { 1 + (tmaxIndex == nil ? 0 : 1) + (rhoIndex == nil ? 0 : 1) }

    /// ln C(t) for estimation-scale parameters `theta`; when `gradient` is given it receives ∂ ln C/∂θ.
    func logValue(
        at t: Double, theta: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?
    ) -> Double {
        Evaluator(self, theta: theta).logValue(at: t, gradient: gradient?.baseAddress)
    }

    /// The curve at one estimation vector, with the parameter transforms (e^θ, the logistic) evaluated once:
    /// a pass over the samples then costs one `exp` and one `log1p` per decline sample (two more `exp`-free
    /// products for the gradient), which is what makes a fit's residual and Jacobian evaluations cheap.
    struct Evaluator {
        let curve: KineticCurve
        let logCmax, tmax, rho, alpha, beta: Double
        /// ln fb, ln(1 − fb), fb and 1 − fb for bi-exponential declines (unused otherwise).
        let logFraction, logComplement, fraction, complement: Double

        init(_ curve: KineticCurve, theta: UnsafeBufferPointer<Double>) {
            self.curve = curve
            logCmax = theta[0]
            tmax = curve.tmaxIndex.map { Foundation.exp(theta[$0]) } ?? curve.fixedTmax
            rho = curve.rhoIndex.map { Foundation.exp(theta[$0]) } ?? 0
            let k = curve.declineOffset
            switch curve.decline {
            case .monoExponential:
                alpha = Foundation.exp(theta[k])
                beta = 0
                (logFraction, logComplement, fraction, complement) = (0, 0, 0, 0)
            case .biExponential, .biExponentialFlat:
                let flat = curve.decline == .biExponentialFlat
                beta = flat ? 0 : Foundation.exp(theta[k + 1])
                alpha = beta + Foundation.exp(theta[k])
                let logit = theta[flat ? k + 1 : k + 2]
                logFraction = -softplus(-logit)
                logComplement = -softplus(logit)
                fraction = Foundation.exp(logFraction)
                complement = Foundation.exp(logComplement)
            }
        }

        /// ln C(t); when `gradient` is given it receives ∂ ln C/∂θ (`curve.parameterCount` entries).
        @inline(__always)
        func logValue(at t: Double, gradient: UnsafeMutablePointer<Double>?) -> Double {
            if let gradient {
                for j in 0..<curve.parameterCount { gradient[j] = 0 }
                gradient[0] = 1
            }
            if t <= tmax {
                guard let rhoIndex = curve.rhoIndex else { return logCmax }
                let dt = t - tmax
                if let gradient {
                    if let tmaxIndex = curve.tmaxIndex { gradient[tmaxIndex] = -rho * tmax }
                    gradient[rhoIndex] = rho * dt
                }
                return logCmax + rho * dt
            }
            let tau = t - tmax
            let k = curve.declineOffset
            guard curve.decline != .monoExponential else {
                if let gradient {
                    gradient[k] = -alpha * tau
                    if let tmaxIndex = curve.tmaxIndex { gradient[tmaxIndex] = alpha * tmax }
                }
                return logCmax - alpha * tau
            }
            // ln S = ln[(1 − fb)e^(−ατ) + fb·e^(−βτ)] as a log-sum-exp around the larger term, so neither
            // term underflows the sum to zero; e = e^(low − high) ≤ 1 gives both weights.
            let fast = logComplement - alpha * tau
            let slow = logFraction - beta * tau
            let fastIsHigh = fast >= slow
            let e = Foundation.exp(fastIsHigh ? slow - fast : fast - slow)
            let logS = (fastIsHigh ? fast : slow) + Foundation.log1p(e)
            if let gradient {
                let highWeight = 1 / (1 + e)
                let lowWeight = e * highWeight
                let fastWeight = fastIsHigh ? highWeight : lowWeight
                let slowWeight = fastIsHigh ? lowWeight : highWeight
                let dAlpha = -tau * fastWeight
                if curve.decline == .biExponentialFlat {
                    gradient[k] = alpha * dAlpha
                    gradient[k + 1] = complement * slowWeight - fraction * fastWeight
                } else {
                    // α = β + e^θ₀: ∂/∂θ₀ = (α − β)·∂/∂α; ∂/∂ln β = β·(∂/∂α + ∂/∂β).
                    gradient[k] = (alpha - beta) * dAlpha
                    gradient[k + 1] = beta * (dAlpha - tau * slowWeight)
                    gradient[k + 2] = complement * slowWeight - fraction * fastWeight
                }
                if let tmaxIndex = curve.tmaxIndex {
                    gradient[tmaxIndex] = tmax * (alpha * fastWeight + beta * slowWeight)
                }
            }
            return logCmax + logS
        }
    }
}

/// ln(1 + eˣ) without overflow for large x or loss of precision for very negative x.
@inline(__always)
func softplus(_ x: Double) -> Double {
    x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
}

/// The logistic function 1/(1 + e^(−x)), stable for large |x|.
@inline(__always)
func logistic(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}
