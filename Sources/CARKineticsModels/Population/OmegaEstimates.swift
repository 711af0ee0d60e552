import Foundation

extension PopulationFitter {
    /// The rows of Ω: `omega_<p>` (the SD √Ω_pp of η_p) for every random parameter, then `corr_<p>_<q>` (the
    /// correlation Ω_pq/√(Ω_pp·Ω_qq)) for every pair within each block, from the estimates `x` and their
    /// covariance (the inverse-Hessian on the estimation scale, nil without SEs).
    ///
    /// SEs by the delta method from the Cholesky parameters θ of ``RandomEffectCovariance``: Var(g(θ)) ≈
    /// ∇gᵀ·Cov(θ)·∇g. 95% limits on a scale where the quantity is unbounded, mapped back — the SD on the log scale
    /// (ω·e^(±1.96·SE(ln ω))), the correlation on Fisher's z = atanh ρ (tanh(z ± 1.96·SE(ρ)/(1 − ρ²))) — so
    /// they stay in (0, ∞) and (−1, 1). An independent random effect's θ is ln ω itself, so its row is exactly
    /// what a diagonal Ω reports.
    func omegaEstimates(
        _ x: [Double], layout: Layout, covariance: [Double]?, randomNames: [String]
    ) -> [PopulationEstimate] {
        let pattern = SubjectObjective(model: model).covariance
        let point = layout.point(x)
        let p = x.count
        let offset = layout.omegaOffset
        let z975 = 1.959963984540054
        func standardError(_ gradient: [Double]) -> Double? {
            guard let covariance else { return nil }
            var variance = 0.0
            for a in gradient.indices where gradient[a] != 0 {
                for b in gradient.indices where gradient[b] != 0 {
                    variance += gradient[a] * covariance[(offset + a) + (offset + b) * p] * gradient[b]
                }
            }
            return variance > 0 ? variance.squareRoot() : nil
        }
        return pattern.reported(diagonal: point.omega, lower: point.lower).map { row in
            if row.first == row.second {
                let k = row.first
                // An independent effect's SD is e^θ_k exactly (√(L_kk²) could differ in the last bit).
                let independent = pattern.block(of: k) == nil
                let value = independent ? point.omega[k] : row.value
                let logSE = standardError(row.gradient)
                let logValue = independent ? x[offset + k] : Foundation.log(value)
                return PopulationEstimate(
                    name: "omega_\(randomNames[k])", value: value, standardError: logSE.map { value * $0 },
                    lower: logSE.map { Foundation.exp(logValue - z975 * $0) },
                    upper: logSE.map { Foundation.exp(logValue + z975 * $0) })
            }
            let rho = row.value
            let se = standardError(row.gradient)
            let fisher = Foundation.atanh(rho)
            let fisherSE = se.map { $0 / (1 - rho * rho) }
            return PopulationEstimate(
                name: "corr_\(randomNames[row.first])_\(randomNames[row.second])", value: rho, standardError: se,
                lower: fisherSE.map { Foundation.tanh(fisher - z975 * $0) },
                upper: fisherSE.map { Foundation.tanh(fisher + z975 * $0) })
        }
    }
}
