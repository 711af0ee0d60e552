import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Natural-scale parameters of a fitted expansion/contraction curve (see ``KineticModel``).
///
/// Parameters a model does not have are `nil`: `rho` for contraction-only models, `beta` and `fraction` for
/// mono-exponential declines. `beta == 0` marks a bi-exponential fit whose persistence rate reached its boundary.
public struct CurveParameters: Sendable, Equatable {
    /// Peak level Cmax (concentration units).
    public var cmax: Double
    /// Time of the peak in days since infusion (estimated by expansion models, the observed Tmax otherwise).
    public var tmax: Double
    /// Expansion rate ρ per day.
    public var rho: Double?
    /// Contraction rate α per day.
    public var alpha: Double
    /// Persistence rate β per day (β < α).
    public var beta: Double?
    /// Fraction fb of the peak that declines at the persistence rate.
    public var fraction: Double?

    public init(cmax: Double, tmax: Double, rho: Double?, alpha: Double, beta: Double?, fraction: Double?) {
        self.cmax = cmax
        self.tmax = tmax
        self.rho = rho
        self.alpha = alpha
        self.beta = beta
        self.fraction = fraction
    }

    /// Contraction half-life ln 2/α in days.
    public var contractionHalfLife: Double { M_LN2 / alpha }
    /// Persistence half-life ln 2/β in days (infinite when β is at its boundary 0).
    public var persistenceHalfLife: Double? { beta.map { M_LN2 / $0 } }

    /// C(t) of the curve.
    public func value(at t: Double) -> Double {
        if t <= tmax {
            guard let rho else { return cmax }
            return cmax * Foundation.exp(rho * (t - tmax))
        }
        let tau = t - tmax
        guard let beta, let fraction else { return cmax * Foundation.exp(-alpha * tau) }
        return cmax * ((1 - fraction) * Foundation.exp(-alpha * tau) + fraction * Foundation.exp(-beta * tau))
    }

    /// The exact integral of the curve from 0 to `end` (closed form), or nil for contraction-only curves, which
    /// say nothing about the level before Tmax.
    public func area(upTo end: Double) -> Double? {
        guard let rho else { return nil }
        guard end > 0 else { return 0 }
        let rising = min(end, tmax)
        // ∫₀^r Cmax·e^(ρ(t−T)) dt = Cmax·e^(−ρ(T−r))·(1 − e^(−ρr))/ρ
        var total = cmax * Foundation.exp(-rho * (tmax - rising)) * -Foundation.expm1(-rho * rising) / rho
        guard end > tmax else { return total }
        let span = end - tmax
        func decay(_ rate: Double) -> Double { rate == 0 ? span : -Foundation.expm1(-rate * span) / rate }
        if let beta, let fraction {
            total += cmax * ((1 - fraction) * decay(alpha) + fraction * decay(beta))
        } else {
            total += cmax * decay(alpha)
        }
        return total
    }
}

extension KineticCurve {
    /// Natural-scale parameters for an estimation vector.
    func parameters(theta: [Double]) -> CurveParameters {
        let cmax = Foundation.exp(theta[0])
        let tmax = tmaxIndex.map { Foundation.exp(theta[$0]) } ?? fixedTmax
        let rho = rhoIndex.map { Foundation.exp(theta[$0]) }
        let k = declineOffset
        switch decline {
        case .monoExponential:
            return CurveParameters(
                cmax: cmax, tmax: tmax, rho: rho, alpha: Foundation.exp(theta[k]), beta: nil, fraction: nil)
        case .biExponential:
            let beta = Foundation.exp(theta[k + 1])
            return CurveParameters(
                cmax: cmax, tmax: tmax, rho: rho, alpha: beta + Foundation.exp(theta[k]), beta: beta,
                fraction: logistic(theta[k + 2]))
        case .biExponentialFlat:
            return CurveParameters(
                cmax: cmax, tmax: tmax, rho: rho, alpha: Foundation.exp(theta[k]), beta: 0,
                fraction: logistic(theta[k + 1]))
        }
    }

    /// The estimation vector for natural-scale values (rates clamped into the valid region).
    func theta(logCmax: Double, tmax: Double, rho: Double, alpha: Double, beta: Double, fraction: Double) -> [Double] {
        var theta = [logCmax]
        if estimatesTmax { theta.append(Foundation.log(tmax)) }
        if hasExpansion { theta.append(Foundation.log(max(rho, 1e-6))) }
        let clampedFraction = min(max(fraction, 1e-12), 1 - 1e-12)
        let logit = Foundation.log(clampedFraction / (1 - clampedFraction))
        switch decline {
        case .monoExponential:
            theta.append(Foundation.log(max(alpha, 1e-9)))
        case .biExponential:
            let b = max(beta, 1e-9)
            theta.append(Foundation.log(max(alpha - b, 1e-9)))
            theta.append(Foundation.log(b))
            theta.append(logit)
        case .biExponentialFlat:
            theta.append(Foundation.log(max(alpha, 1e-9)))
            theta.append(logit)
        }
        return theta
    }
}
