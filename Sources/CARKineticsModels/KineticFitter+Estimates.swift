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

        var estimates = Self.estimates(
            model, curve: curve, theta: theta, quantile: quantile,
            covariance: covariance.map { c in { i, j in c[i, j] } })
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
