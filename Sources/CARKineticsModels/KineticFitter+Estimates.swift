import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

// From an optimum to the reported fit: parameters on their natural scales, standard errors by the delta
// method and 95% confidence limits from Student's t.
extension KineticFitter {
    static func unfitted(_ model: KineticModel, _ status: FitStatus, count: Int) -> KineticFit {
        KineticFit.unfitted(model: model.rawValue, status: status, sampleCount: count)
    }

    func report(
        _ model: KineticModel, _ optimum: Optimum, sampleCount m: Int, boundary: String?, limit: BoundaryLimit? = nil
    ) -> KineticFit {
        let curve = optimum.curve
        var parameters = curve.parameters(theta: optimum.theta)
        let p = model.parameterCount
        let dof = m - p
        let covariance = optimum.fit.covariance
        let quantile = dof > 0 ? StudentT.quantile975(degreesOfFreedom: dof) : nil
        let theta = optimum.theta

        func variance(_ weights: [(Int, Double)]) -> Double? {
            guard let covariance else { return nil }
            var v = 0.0
            for (i, wi) in weights { for (j, wj) in weights { v += wi * wj * covariance[i, j] } }
            return v >= 0 && v.isFinite ? v : nil
        }
        /// A positive quantity x = e^θ-like with ∂x/∂θ given; CI on ln x.
        func positive(_ name: String, _ value: Double, _ weights: [(Int, Double)]) -> ParameterEstimate {
            guard let v = variance(weights), let quantile else {
                return ParameterEstimate(
                    name: name, value: value, standardError: variance(weights).map { $0.squareRoot() },
                    lower: nil, upper: nil)
            }
            let se = v.squareRoot()
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
            let se = value * (1 - value) * seLogit
            guard let quantile else {
                return ParameterEstimate(name: "fb", value: value, standardError: se, lower: nil, upper: nil)
            }
            return ParameterEstimate(
                name: "fb", value: value, standardError: se,
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

        Self.apply(limit, parameters: &parameters, estimates: &estimates)

        let status: FitStatus
        if !optimum.fit.converged {
            status = .notConverged("\(optimum.fit.termination)")
        } else if let boundary {
            status = .boundary(boundary)
        } else {
            status = .converged
        }
        let note =
            covariance == nil
            ? "no standard errors: the Jacobian is numerically rank-deficient at the optimum (some parameters are not identifiable from these samples)"
            : nil
        return KineticFit(
            model: model.rawValue, status: status, sampleCount: m, parameterCount: p, estimates: estimates,
            curve: parameters, ssr: optimum.ssr, iterations: optimum.iterations, evaluations: optimum.evaluations,
            note: note)
    }

    /// Writes a boundary reached to working precision as its limit (see `BoundaryLimit`): the least-squares and
    /// the censored (M3) reports share this rule.
    static func apply(
        _ limit: BoundaryLimit?, parameters: inout CurveParameters, estimates: inout [ParameterEstimate]
    ) {
        func fixed(_ name: String, _ value: Double) -> ParameterEstimate {
            ParameterEstimate(name: name, value: value, standardError: nil, lower: nil, upper: nil)
        }
        switch limit {
        case .flatPersistence:
            parameters.beta = 0
            estimates = estimates.map { $0.name == "beta" ? fixed("beta", 0) : $0 }
        case .noPersistence:
            parameters.beta = nil
            parameters.fraction = nil
            estimates = estimates.compactMap { $0.name == "beta" ? nil : $0.name == "fb" ? fixed("fb", 0) : $0 }
        case .noContraction:
            parameters.fraction = 1
            estimates = estimates.compactMap { $0.name == "alpha" ? nil : $0.name == "fb" ? fixed("fb", 1) : $0 }
        case nil:
            break
        }
    }
}
