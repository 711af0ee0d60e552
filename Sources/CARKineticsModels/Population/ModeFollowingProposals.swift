import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// One subject's importance-sampling proposal, fitted at an anchor point x_a and carried to any other point x by
/// the subject's conditional mode.
///
/// At x_a the proposal is the multivariate t (5 df) with centre c_a and scale matrix S_a (the weighted posterior
/// moments, or the Laplace Gaussian's η̂_a and 2·H_F⁻¹). At x it is the image of that proposal under the affine
/// map that takes the Laplace approximation at x_a to the one at x:
///
///   η ↦ η̂(x) + M·(η − η̂_a),  M = L(x)⁻ᵀ·L_aᵀ  (H_F = L·Lᵀ at each point),
///
/// so c(x) = η̂(x) + M·(c_a − η̂_a) and S(x) = M·S_a·Mᵀ. With the subject's standard draws u_k fixed (one seed per
/// subject), η_k(x) = c(x) + chol(S(x))·u_k moves with the posterior: the estimate of L_i(x) is a smooth function
/// of x whose proposal stays as good as it was at x_a, instead of the fixed points η_k whose weights degenerate
/// as the optimiser moves the posteriors away from them (simulated-ML overfitting: docs/population.md).
struct ProposalAnchor: Sendable {
    /// η̂_i and the lower Cholesky factor of H_F at the anchor (R×R, column-major).
    var mode: [Double]
    var factor: [Double]
    /// The proposal's centre and scale matrix at the anchor (R×R, column-major).
    var center: [Double]
    var scale: [Double]
    /// The subject's draws: the same standard t draws at every x.
    var seed: UInt64
}

/// The proposals of every subject for the mode-following importance-sampling objective, and the draws per
/// subject.
struct FollowingProposals: Sendable {
    var anchors: [ProposalAnchor]
    var draws: Int
}

extension PopulationFitter {
    /// Anchors at the current point from the subjects' `modes` and, where a subject's weighted sample can be
    /// trusted (effective size ≥ 30, covariance positive definite), its posterior `moments` (NONMEM's IMP
    /// adaptation, which follows skewed, BLQ-dominated posteriors the Laplace Gaussian misses); otherwise the
    /// Laplace Gaussian itself (centre η̂, scale 2·H_F⁻¹).
    func anchors(modes: [SubjectMode], moments: [MarginalTerm]?, draws: Int, seed: UInt64) -> FollowingProposals {
        let anchors = modes.indices.map { i -> ProposalAnchor in
            let r = modes[i].eta.count
            let posterior = Self.posteriorComponent(mode: modes[i], moment: moments?[i])
            // The scale matrix C·Cᵀ of the component's root C.
            var scale = [Double](repeating: 0, count: r * r)
            for a in 0..<r {
                for b in 0..<r {
                    for c in 0..<r { scale[a + b * r] += posterior.root[a + c * r] * posterior.root[b + c * r] }
                }
            }
            return ProposalAnchor(
                mode: modes[i].eta, factor: modes[i].cholesky, center: posterior.center, scale: scale,
                seed: Self.subjectSeed(seed, subject: i))
        }
        return FollowingProposals(anchors: anchors, draws: draws)
    }

    /// The subject's points at the point where its mode is `mode`: 90% the anchored proposal carried by the mode
    /// (``ProposalAnchor``), 10% defensive over the prior N(0, Ω) (`priorRoot`, Ω's lower Cholesky factor), the
    /// anchor's standard draws. Falls back to the Laplace proposal at `mode` if the carried scale is not
    /// positive definite (a mode whose Hessian factor is not finite).
    /// The points are held in ψ (``MarginalPoints/anchorBase`` = the random components of `base`, ψ without η at
    /// this point), so their μ- and β-derivatives come from the prior.
    func followingPoints(
        anchor: ProposalAnchor, mode: SubjectMode, base: [Double], objective: SubjectObjective,
        priorRoot: [Double], draws: Int
    ) -> MarginalPoints {
        let r = mode.eta.count
        let defensive = MarginalPoints.Component(
            weight: ReportProposal.defensiveWeight, center: [Double](repeating: 0, count: r), root: priorRoot)
        let posterior = Self.carried(anchor, to: mode) ?? Self.posteriorComponent(mode: mode, moment: nil)
        var points = MarginalPoints.importance(
            components: [
                .init(weight: 1 - ReportProposal.defensiveWeight, center: posterior.center, root: posterior.root),
                defensive,
            ],
            draws: draws, seed: anchor.seed)
        points.anchorBase = objective.randomIndex.map { base[$0] }
        return points
    }

    /// c(x) = η̂(x) + M·(c_a − η̂_a) and the lower Cholesky factor of M·S_a·Mᵀ, M = L(x)⁻ᵀ·L_aᵀ; nil when a solve or
    /// the factorisation fails.
    static func carried(_ anchor: ProposalAnchor, to mode: SubjectMode) -> (center: [Double], root: [Double])? {
        let r = mode.eta.count
        guard anchor.mode.count == r else { return nil }
        // Column b of M solves L(x)ᵀ·m_b = (L_aᵀ)_b, the b-th row of L_a.
        var m = [Double](repeating: 0, count: r * r)
        var column = [Double](repeating: 0, count: r)
        for b in 0..<r {
            for a in 0..<r { column[a] = anchor.factor[b + a * r] }
            guard SmallLinearAlgebra.solveWithFactor(mode.cholesky, &column, order: r, transposeOnly: true) else {
                return nil
            }
            for a in 0..<r { m[a + b * r] = column[a] }
        }
        var center = mode.eta
        for a in 0..<r {
            for b in 0..<r { center[a] += m[a + b * r] * (anchor.center[b] - anchor.mode[b]) }
        }
        // M·S_a·Mᵀ, symmetric by construction (computed once per pair).
        var ms = [Double](repeating: 0, count: r * r)
        for a in 0..<r { for b in 0..<r { for c in 0..<r { ms[a + b * r] += m[a + c * r] * anchor.scale[c + b * r] } } }
        var scale = [Double](repeating: 0, count: r * r)
        for a in 0..<r {
            for b in 0...a {
                var s = 0.0
                for c in 0..<r { s += ms[a + c * r] * m[b + c * r] }
                scale[a + b * r] = s
                scale[b + a * r] = s
            }
        }
        // `cholesky` zeroes the strict upper triangle, as `MarginalPoints.importance` needs to tell a lower factor.
        guard SmallLinearAlgebra.cholesky(&scale, order: r), center.allSatisfy(\.isFinite) else { return nil }
        return (center, scale)
    }

    /// The mode-following importance-sampling objective at x: every subject's conditional mode re-solved (warm
    /// from `warm`), its anchored proposal carried there (``followingPoints(anchor:mode:priorRoot:draws:)``) and
    /// −2 ln L_i estimated over those points with the gradient Σ_k w̃_k·∂F(η_k; x)/∂x (Fisher's identity: the
    /// posterior mean of the complete-data score, which is the derivative of ln L_i whatever the proposal — the
    /// dependence of the points on x through the mode contributes only Monte Carlo noise of mean zero).
    func followingObjective(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, warm: [[Double]],
        proposals: FollowingProposals, wantsScoreVariance: Bool = false
    ) -> (evaluation: Evaluation, terms: [MarginalTerm], points: [MarginalPoints]) {
        let point = layout.point(x)
        let subjects = data.subjects
        let priorRoot = Self.priorRoot(x, layout: layout, objective: objective)
        let results = mapSubjects(subjects.count) { i -> (SubjectMode, MarginalTerm, MarginalPoints) in
            let base = objective.baseParameters(subjects[i], point: point, terms: data.terms)
            let mode = objective.mode(subjects[i], base: base, point: point, start: warm[i])
            guard mode.objective.isFinite else {
                return (
                    mode,
                    MarginalTerm(
                        value: .infinity, gradient: [Double](repeating: .nan, count: x.count), variance: .infinity,
                        mean: [], covariance: [], effectiveSize: 0),
                    MarginalPoints(eta: [], logWeight: [], randomCount: mode.eta.count)
                )
            }
            let points = followingPoints(
                anchor: proposals.anchors[i], mode: mode, base: base, objective: objective, priorRoot: priorRoot,
                draws: proposals.draws)
            let term = marginalTerm(
                x, layout: layout, subject: subjects[i], terms: data.terms, objective: objective, points: points,
                wantsGradient: true, wantsScoreVariance: wantsScoreVariance)
            return (mode, term, points)
        }
        var value = 0.0
        var gradient = [Double](repeating: 0, count: x.count)
        for (_, term, _) in results {
            value += term.value
            for j in gradient.indices { gradient[j] += term.gradient[j] }
        }
        if value.isNaN { value = .infinity }
        return (
            Evaluation(
                value: value, modes: results.map(\.0), gradient: gradient.map { $0.isFinite ? $0 : .nan }),
            results.map(\.1), results.map(\.2)
        )
    }
}
