import CARKineticsNumerics
import Foundation

extension KineticFitter {
    /// Natural-scale estimates of a curve at its estimation vector, with standard errors by the delta method from
    /// `covariance` (an accessor into the estimation-scale covariance, nil when there is none) and 95% limits
    /// θ ± quantile·SE on the estimation scale mapped back (log for positive quantities, logit for fb).
    ///
    /// Shared by both reports: least squares (`KineticFitter+Estimates.swift`) passes the Levenberg–Marquardt
    /// covariance and Student's t quantile (nil without residual degrees of freedom: standard errors without
    /// limits); the censored fit passes 2·H⁻¹ and the normal quantile. Parameters a boundary sub-model fixes
    /// (β = 0, fb = 0 for stein) are reported with their value and no uncertainty.
    static func estimates(
        _ model: KineticModel, curve: KineticCurve, theta: [Double], quantile: Double?,
        covariance: ((Int, Int) -> Double)?
    ) -> [ParameterEstimate] {
        let parameters = curve.parameters(theta: theta)
        func variance(_ weights: [(Int, Double)]) -> Double? {
            guard let covariance else { return nil }
            var v = 0.0
            for (i, wi) in weights { for (j, wj) in weights { v += wi * wj * covariance(i, j) } }
            return v >= 0 && v.isFinite ? v : nil
        }
        func positive(_ name: String, _ value: Double, _ weights: [(Int, Double)]) -> ParameterEstimate {
            guard let v = variance(weights) else {
                return ParameterEstimate(name: name, value: value, standardError: nil, lower: nil, upper: nil)
            }
            let se = v.squareRoot()
            // No quantile (no residual degrees of freedom): the standard error without limits.
            guard let quantile else {
                return ParameterEstimate(name: name, value: value, standardError: se, lower: nil, upper: nil)
            }
            let seLog = se / value
            return ParameterEstimate(
                name: name, value: value, standardError: se,
                lower: value * Foundation.exp(-quantile * seLog), upper: value * Foundation.exp(quantile * seLog))
        }
        func fraction(_ index: Int, _ value: Double) -> ParameterEstimate {
            guard let v = variance([(index, 1)]) else {
                return ParameterEstimate(name: "fb", value: value, standardError: nil, lower: nil, upper: nil)
            }
            let seLogit = v.squareRoot()
            guard let quantile else {
                return ParameterEstimate(
                    name: "fb", value: value, standardError: value * (1 - value) * seLogit, lower: nil, upper: nil)
            }
            return ParameterEstimate(
                name: "fb", value: value, standardError: value * (1 - value) * seLogit,
                lower: logistic(theta[index] - quantile * seLogit), upper: logistic(theta[index] + quantile * seLogit))
        }
        func fixed(_ name: String, _ value: Double) -> ParameterEstimate {
            ParameterEstimate(name: name, value: value, standardError: nil, lower: nil, upper: nil)
        }
        var estimates = [positive("cmax", parameters.cmax, [(0, parameters.cmax)])]
        if let index = curve.tmaxIndex {
            estimates.append(positive("tmax", parameters.tmax, [(index, parameters.tmax)]))
        } else {
            estimates.append(fixed("tmax", parameters.tmax))
        }
        if let index = curve.rhoIndex, let rho = parameters.rho {
            estimates.append(positive("rho", rho, [(index, rho)]))
        }
        let k = curve.declineOffset
        switch curve.decline {
        case .monoExponential:
            estimates.append(positive("alpha", parameters.alpha, [(k, parameters.alpha)]))
            if model == .stein { estimates.append(fixed("fb", 0)) }
        case .biExponential:
            let beta = parameters.beta ?? 0
            estimates.append(positive("alpha", parameters.alpha, [(k, parameters.alpha - beta), (k + 1, beta)]))
            estimates.append(positive("beta", beta, [(k + 1, beta)]))
            estimates.append(fraction(k + 2, parameters.fraction ?? 0))
        case .biExponentialFlat:
            estimates.append(positive("alpha", parameters.alpha, [(k, parameters.alpha)]))
            estimates.append(fixed("beta", 0))
            estimates.append(fraction(k + 1, parameters.fraction ?? 0))
        }
        return estimates
    }
}
