import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Which covariance the standard errors come from (`--se`).
public enum StandardErrorMethod: String, Sendable, CaseIterable {
    /// 2·H⁻¹, H the Hessian of −2 ln L at the estimates (the observed information).
    case hessian
    /// The robust (sandwich) covariance H⁻¹·(Σ_i s_i s_iᵀ)·H⁻¹, s_i = ∂(−2 ln L_i)/∂x the subjects' scores.
    case sandwich
}

extension PopulationFitter {
    /// The Hessian of the mode-following importance-sampling −2 ln L: central differences (step
    /// 1e-4·max(1, |x_j|)) of its score Σ_i Σ_k w̃_ik ∂F_i/∂x with every subject's mode re-solved and its proposal
    /// carried to each shifted point — the derivative of the estimating equation the stage solves, with
    /// proposals fitted to the posteriors at every point (the fixed draws of x̂ would give the curvature of one
    /// noisy surrogate, which is not positive definite along weakly identified ω on Stein replicates) —
    /// symmetrised, with the largest relative asymmetry before symmetrising.
    func followingHessian(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, modes: [SubjectMode],
        proposals: FollowingProposals
    ) -> (hessian: [Double], asymmetry: Double) {
        let warm = modes.map(\.eta)
        var hessian = CentralDifferences.columns(at: x, relativeStep: 1e-4) { y in
            followingObjective(
                y, layout: layout, data: data, objective: objective, warm: warm, proposals: proposals
            ).evaluation.gradient
        }.flatMap { $0 }
        let p = x.count
        var asymmetry = 0.0
        for a in 0..<p {
            for b in 0..<a {
                let scale = (abs(hessian[a + a * p] * hessian[b + b * p])).squareRoot()
                if scale > 0 { asymmetry = max(asymmetry, abs(hessian[a + b * p] - hessian[b + a * p]) / scale) }
            }
        }
        CentralDifferences.symmetrise(&hessian, order: p)
        return (hessian, asymmetry)
    }

    /// Why a symmetric H is not positive definite, in words: the first parameter (in estimation order) at which
    /// the leading principal submatrix stops being positive definite — that parameter is not identified given the
    /// ones before it — and any ω estimated near zero (a boundary, where the Hessian need not be definite).
    func hessianDiagnosis(
        _ hessian: [Double], order p: Int, names: [String], x: [Double], layout: Layout, objective: SubjectObjective
    ) -> String {
        var parts: [String] = []
        for m in 1...max(1, p) where m <= p {
            var sub = [Double](repeating: 0, count: m * m)
            for a in 0..<m { for b in 0..<m { sub[a + b * m] = hessian[a + b * p] } }
            if !SmallLinearAlgebra.cholesky(&sub, order: m) {
                parts.append(
                    "the curvature fails at \(names[m - 1]) (\(hessian[(m - 1) + (m - 1) * p] <= 0 ? "no curvature of its own" : "not separable from the parameters before it"))"
                )
                break
            }
        }
        let point = layout.point(x)
        let deviations = objective.covariance.standardDeviations(diagonal: point.omega, lower: point.lower)
        for q in 0..<layout.r where deviations[q] < 1e-3 {
            parts.append("\(names[layout.omegaOffset + q]) is estimated near 0 (a boundary)")
        }
        return parts.joined(separator: "; ")
    }

    /// The sandwich covariance from the Hessian covariance C = 2·H⁻¹ and the subjects' scores s_i of −2 ln L_i:
    /// H⁻¹·(Σ_i s_i s_iᵀ)·H⁻¹ = ¼·C·S·C.
    static func sandwich(covariance c: [Double], scores: [[Double]], order p: Int) -> [Double] {
        var s = [Double](repeating: 0, count: p * p)
        for score in scores { for b in 0..<p { for a in 0..<p { s[a + b * p] += score[a] * score[b] } } }
        return quarterProduct(c, s, order: p)
    }

    /// ¼·C·S·C for symmetric C and S (p×p, column-major), symmetrised.
    static func quarterProduct(_ c: [Double], _ s: [Double], order p: Int) -> [Double] {
        var cs = [Double](repeating: 0, count: p * p)
        for b in 0..<p { for k in 0..<p { for a in 0..<p { cs[a + b * p] += c[a + k * p] * s[k + b * p] } } }
        var out = [Double](repeating: 0, count: p * p)
        for b in 0..<p { for k in 0..<p { for a in 0..<p { out[a + b * p] += 0.25 * cs[a + k * p] * c[k + b * p] } } }
        for a in 0..<p {
            for b in 0..<a {
                let v = 0.5 * (out[a + b * p] + out[b + a * p])
                out[a + b * p] = v
                out[b + a * p] = v
            }
        }
        return out
    }

    /// The Monte Carlo covariance of estimates that solve an importance-sampling score equation: ¼·C·V·C with
    /// C = 2·H⁻¹ the Hessian covariance and V = Σ_i the subjects' ``MarginalTerm/scoreVariance`` (−2 ln L scale);
    /// nil when the moments carry no score variance.
    static func monteCarloCovariance(
        covariance c: [Double], moments: [MarginalTerm], order p: Int
    ) -> (covariance: [Double], v: [Double])? {
        var v = [Double](repeating: 0, count: p * p)
        for term in moments {
            guard term.scoreVariance.count == p * p else { return nil }
            for j in 0..<(p * p) { v[j] += term.scoreVariance[j] }
        }
        guard v.allSatisfy(\.isFinite) else { return nil }
        return (quarterProduct(c, v, order: p), v)
    }

    /// Per-subject scores of the marginal −2 ln L_i at `x`: from the importance-sampling points of the last stage
    /// when there are any, otherwise from the adaptive Gauss–Hermite grid at the modes (dim η ≤ 2,
    /// ``Options/reportNodes`` per axis, at least 60 for one) or importance points at the modes (more).
    func subjectScores(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, modes: [SubjectMode],
        points: [MarginalPoints]?
    ) -> [[Double]] {
        let chosen: [MarginalPoints]
        if let points {
            chosen = points
        } else if layout.r <= 2 {
            let rule = GaussHermite(count: layout.r == 1 ? max(options.reportNodes, 60) : max(options.reportNodes, 1))
            chosen = modes.map { MarginalPoints.gaussHermite(mode: $0, rule: rule) }
        } else {
            chosen = importancePoints(
                modes: modes, moments: nil, priorRoot: Self.priorRoot(x, layout: layout, objective: objective),
                draws: max(1000, options.importanceDraws),
                seed: options.seed)
        }
        return marginalObjective(
            x, layout: layout, data: data, objective: objective, points: chosen, wantsGradient: true
        )
        .terms.map(\.gradient)
    }
}

extension PopulationFitter {
    /// The covariance of the estimates on the estimation scale, the notes it needs, and the method in words.
    ///
    /// Hessian: with the importance-sampling stage, central differences of its carried score
    /// (``followingHessian(_:layout:data:objective:modes:proposals:)``), and the Monte Carlo variance of the
    /// estimates added (``monteCarloCovariance(covariance:moments:order:)``); otherwise as
    /// ``covarianceMatrix(_:layout:data:objective:warm:kind:evaluations:)`` (AGQ or Laplace). A Hessian that is
    /// not positive definite gives no SEs and a diagnosis (``hessianDiagnosis(_:order:names:x:layout:objective:)``).
    /// Sandwich (``Options/standardErrors``): that Hessian's inverse around the subjects' scores.
    func standardErrorCovariance(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, kind: Objective,
        stage: ImportanceStage?, modes: [SubjectMode], evaluations: inout Int
    ) -> (covariance: [Double]?, notes: [String], method: String) {
        let p = x.count
        var notes: [String] = []
        var covariance: [Double]?
        var method: String
        if let stage {
            let (hessian, asymmetry) = followingHessian(
                x, layout: layout, data: data, objective: objective, modes: stage.minimum.modes,
                proposals: stage.proposals)
            evaluations += 2 * p
            method =
                "Hessian of the importance-sampling -2 ln L (central differences of its score, proposals carried by the re-solved modes; asymmetry before symmetrising \(String(format: "%.1e", asymmetry)))"
            let (inverse, note) = invertHessian(hessian, order: p)
            covariance = inverse
            if let note {
                let names = estimationNames(layout: layout, data: data, objective: objective)
                let why = hessianDiagnosis(hessian, order: p, names: names, x: x, layout: layout, objective: objective)
                notes.append(why.isEmpty ? note : "\(note): \(why)")
            }
        } else {
            let (inverse, note) = covarianceMatrix(
                x, layout: layout, data: data, objective: objective, warm: modes.map(\.eta), kind: kind,
                evaluations: &evaluations)
            covariance = inverse
            if let note { notes.append(note) }
            switch kind {
            case .agq: method = "Hessian of the adaptive Gauss-Hermite -2 ln L (central differences)"
            case .laplace, .marginal, .following:
                method =
                    "Hessian of the Laplace -2 ln L (central differences of its analytic gradient, modes re-solved)"
            }
        }
        if options.standardErrors == .sandwich {
            method = "sandwich H^-1 (sum of s_i s_i^T) H^-1 around the " + method
            if let c = covariance {
                let scores = subjectScores(
                    x, layout: layout, data: data, objective: objective, modes: modes, points: stage?.points)
                covariance = Self.sandwich(covariance: c, scores: scores, order: p)
            }
        }
        if let stage, let c = covariance,
            let variance = Self.monteCarloCovariance(covariance: c, moments: stage.moments, order: p)
        {
            // The stage's estimates carry the Monte Carlo error of its draws as well as the sampling error: the
            // root of the estimated score ĝ(x̂) = 0 moves by −H⁻¹·δĝ, so Var_MC(x̂) = H⁻¹·V·H⁻¹ (V = Σ_i the
            // subjects' score covariances over their draws) is added to the covariance.
            let total = zip(c, variance.covariance).map { $0 + $1 }
            covariance = total
            method +=
                " plus the Monte Carlo variance of the estimates H^-1 V H^-1 (V the score's variance over the draws)"
            let names = estimationNames(layout: layout, data: data, objective: objective)
            if let worst = (0..<p).max(by: {
                variance.covariance[$0 + $0 * p] / c[$0 + $0 * p] < variance.covariance[$1 + $1 * p] / c[$1 + $1 * p]
            }) {
                let share = (total[worst + worst * p] / c[worst + worst * p]).squareRoot() - 1
                notes.append(
                    "Monte Carlo error of the importance-sampling estimates widens the SEs by at most \(String(format: "%.1f", 100 * share))% (\(names[worst]))"
                )
            }
        }
        notes.append("standard errors: \(method)")
        return (covariance, notes, method)
    }

    /// Names of the estimation-scale parameters x in order: `tv_<p>`, covariate terms, `omega_<p>` (ln L_pp),
    /// `cholesky_<p>_<q>` (a block's off-diagonal factor entries L_pq, row by row), σ rows.
    func estimationNames(layout: Layout, data: PopulationData, objective: SubjectObjective) -> [String] {
        let names = model.structure.parameterNames
        let random = objective.randomIndex.map { names[$0] }
        var lower: [String] = []
        for block in objective.covariance.blocks {
            for a in 1..<max(1, block.count) {
                for c in 0..<a { lower.append("cholesky_\(random[block[a]])_\(random[block[c]])") }
            }
        }
        return names.map { "tv_\($0)" } + data.terms.map(\.name) + random.map { "omega_\($0)" } + lower
            + model.error.parameterNames
    }
}
