import Foundation

/// The tail of a set of importance weights: the shape k̂ of a generalized Pareto distribution fitted to the
/// largest weights (the Pareto-smoothed importance sampling diagnostic of Vehtari, Simpson, Gelman, Yao & Gabry,
/// JMLR 2024).
///
/// Weights whose tail is generalized Pareto with shape k have a finite variance only for k < 1/2, and for
/// k > 0.7 the sample variance converges so slowly that a delta-method SE from it is not to be trusted (it is
/// then, in practice, a lower bound). The tail is the M = min(S/5, 3√S) largest of S weights, as exceedances
/// over the (M+1)-th largest; the fit is Zhang & Stephens' (2009) posterior-mean estimate over a grid of
/// 30 + ⌊√M⌋ values of θ = −k/σ with their profile likelihood, then shrunk toward 1/2 by a weak prior worth ten
/// draws, k̂ ← (M·k̂ + 5)/(M + 10).
enum ParetoTail {
    /// Above this k̂ a variance estimated from the weights is unreliable (Vehtari et al.'s threshold).
    static let unreliable = 0.7

    /// M, the number of tail weights used out of `draws`.
    static func tailCount(draws s: Int) -> Int { min(s / 5, Int((3 * Double(s).squareRoot()).rounded(.down))) }

    /// k̂ from the largest log weights in descending order (at least ``tailCount(draws:)`` + 1 of them) of
    /// `draws` weights; NaN when the tail has fewer than 5 weights or is flat.
    static func shape(largest: [Double], draws: Int) -> Double {
        let m = tailCount(draws: draws)
        guard m >= 5, largest.count > m, let top = largest.first, top.isFinite else { return .nan }
        // Exceedances scaled by the largest weight (k̂ does not depend on the scale), ascending.
        let threshold = Foundation.exp(largest[m] - top)
        let exceedances = (0..<m).map { Foundation.exp(largest[m - 1 - $0] - top) - threshold }
        return generalizedParetoShape(ascending: exceedances)
    }

    /// The generalized Pareto shape of positive exceedances `x` (ascending) by Zhang & Stephens (2009), with the
    /// weak prior toward 1/2; NaN when all are 0.
    ///
    /// With θ = −k/σ the profile log likelihood is ℓ(θ) = n·(ln(θ/κ(θ)) + κ(θ) − 1), κ(θ) = −mean ln(1 − θx);
    /// over the grid θ_j = 1/x₍ₙ₎ + (1 − √(m/(j − ½)))/(3x*) (x* the first quartile, j = 1…m) the estimate is
    /// θ̂ = Σ θ_j·e^(ℓ_j)/Σ e^(ℓ_j) and k̂ = mean ln(1 − θ̂x).
    static func generalizedParetoShape(ascending x: [Double]) -> Double {
        let n = x.count
        guard n > 0, let largest = x.last, largest > 0 else { return .nan }
        // The first quartile; the smallest positive exceedance when ties at the threshold make it 0.
        var quartile = x[max(0, Int((Double(n) / 4 + 0.5).rounded(.down)) - 1)]
        if quartile <= 0 { quartile = x.first { $0 > 0 } ?? largest }
        let gridCount = 30 + Int(Double(n).squareRoot().rounded(.down))
        var thetas: [Double] = []
        var logLikelihoods: [Double] = []
        for j in 1...gridCount {
            let theta =
                1 / largest + (1 - (Double(gridCount) / (Double(j) - 0.5)).squareRoot()) / (3 * quartile)
            guard theta != 0 else { continue }
            var sum = 0.0
            for value in x { sum += Foundation.log1p(-theta * value) }
            let kappa = -sum / Double(n)
            let ratio = theta / kappa
            guard ratio > 0, ratio.isFinite else { continue }
            thetas.append(theta)
            logLikelihoods.append(Double(n) * (Foundation.log(ratio) + kappa - 1))
        }
        guard !thetas.isEmpty else { return .nan }
        let normaliser = logSumExp(logLikelihoods)
        var thetaHat = 0.0
        for (theta, l) in zip(thetas, logLikelihoods) { thetaHat += theta * Foundation.exp(l - normaliser) }
        var sum = 0.0
        for value in x { sum += Foundation.log1p(-thetaHat * value) }
        let k = sum / Double(n)
        return (Double(n) * k + 10 * 0.5) / (Double(n) + 10)
    }
}

/// A subject's importance proposal for the reported −2 ln L: a mixture of multivariate t (5 df) components at the
/// posterior, with weights summing to 0.9, and the defensive component over the prior N(0, Ω) at weight 0.1.
struct ReportProposal: Sendable {
    /// The posterior components (weights sum to 1 − ``defensiveWeight``).
    var components: [MarginalPoints.Component]
    /// The defensive component (its own weight field is ignored).
    var defensive: MarginalPoints.Component

    static let defensiveWeight = 0.1

    /// The whole mixture, the defensive component last.
    var mixture: [MarginalPoints.Component] {
        var defensive = defensive
        defensive.weight = Self.defensiveWeight
        return components + [defensive]
    }
}

/// One importance draw kept to re-adapt a proposal: η, ln p(y, η) (independent of the proposal it came from) and
/// its log weight ln p − ln q under the proposal it was drawn from (to rank the draws kept).
struct RetainedDraw: Sendable {
    var eta: [Double]
    var logTarget: Double
    var logWeight: Double
}

/// ln of a mixture of multivariate t (5 df) densities, Σ_c w_c·t₅(η; m_c, C_cC_cᵀ), and each term.
struct MixtureDensity {
    let components: [MarginalPoints.Component]
    let order: Int
    private let logConstants: [Double]

    init(_ components: [MarginalPoints.Component], order r: Int) {
        self.components = components
        self.order = r
        let nu = 5.0
        let base =
            Foundation.lgamma((nu + Double(r)) / 2) - Foundation.lgamma(nu / 2)
            - 0.5 * Double(r) * Foundation.log(nu * Double.pi)
        logConstants = components.map { c in
            var logDet = 0.0
            for k in 0..<r { logDet += Foundation.log(abs(c.root[k + k * r])) }
            return Foundation.log(c.weight) + base - logDet
        }
    }

    /// ln(w_c·t₅(η; m_c, C_cC_cᵀ)) for every component, into `terms`.
    func logTerms(_ eta: ArraySlice<Double>, into terms: inout [Double], scratch v: inout [Double]) {
        let r = order
        let start = eta.startIndex
        for (index, component) in components.enumerated() {
            for a in 0..<r { v[a] = eta[start + a] - component.center[a] }
            MarginalPoints.triangularSolve(component.root, &v, order: r)
            var norm2 = 0.0
            for a in 0..<r { norm2 += v[a] * v[a] }
            terms[index] = logConstants[index] - (5 + Double(r)) / 2 * Foundation.log1p(norm2 / 5)
        }
    }

    /// ln q(η_k) for the K×R draws `eta` (row k contiguous).
    func logDensity(_ eta: [Double]) -> [Double] {
        let r = order
        guard r > 0 else { return [] }
        var terms = [Double](repeating: 0, count: components.count)
        var v = [Double](repeating: 0, count: r)
        return (0..<(eta.count / r)).map { k in
            logTerms(eta[(k * r)..<(k * r + r)], into: &terms, scratch: &v)
            return logSumExp(terms)
        }
    }
}

/// Re-adaptation of one subject's proposal when its weights are poor, by incremental mixture importance sampling
/// (IMIS: Raftery & Bao 2010; the mixture weights then by one Rao–Blackwellised population Monte Carlo step,
/// Cappé, Douc, Guillin, Marin & Robert 2008).
///
/// Start: `pilot` fresh draws from the current proposal q₀ and the `retained` draws (the subject's largest
/// weights so far: where q₀ misses mass, e.g. a second mode or a long BLQ-driven tail, they are the few draws
/// that found it). Each step weighs every point by p/q (q the mixture of q₀ and the components added so far, in
/// proportion to their draws: IMIS's deterministic mixture), puts a new t₅ component at the point of largest
/// weight with the covariance of its `draws` nearest points (Mahalanobis distance in the first component's
/// metric) about it, weighted by (w̃ + 1/N)/2, and draws `draws` points from it. It stops when no point's weight
/// exceeds 10× the mean weight of the draws, or after `steps` components. The new proposal keeps q₀'s posterior
/// components and adds the new ones; their weights (0.9 in all) are their responsibilities for the weighted
/// draws, Σ_k w_k·w_c t_c(η_k)/q(η_k), each at least 5% of 0.9; the defensive component keeps 0.1.
///
/// The draws here only place the proposal: the subject's estimate restarts from fresh draws of the new one, so
/// it stays an unbiased mean of p/q over draws from a fixed proposal (given the past).
struct ProposalAdaptation {
    var pilot = 1000
    var draws = 1000
    var steps = 6

    /// The new proposal, the draws spent and the draws with the largest weights under it (to keep).
    func adapt(
        _ proposal: ReportProposal, retained: [RetainedDraw], order r: Int, seed: UInt64,
        logTarget: (MarginalPoints) -> [Double]
    ) -> (proposal: ReportProposal, draws: Int, retained: [RetainedDraw]) {
        guard r > 0, let first = proposal.components.first else { return (proposal, 0, retained) }
        let start = proposal.mixture
        let initial = MarginalPoints.importance(components: start, draws: pilot, seed: seed)
        var eta = initial.eta
        var logTarget0 = logTarget(initial)
        var added: [MarginalPoints.Component] = []
        let candidates = retained.filter { $0.eta.count == r }
        var spent = pilot
        var generator = SplitMix64(seed: seed ^ 0xA5A5_5A5A_0F0F_F0F0)
        while true {
            let mixture = Self.deterministicMixture(start, pilot: pilot, added: added, draws: draws)
            let density = MixtureDensity(mixture, order: r)
            let logWeights = zip(logTarget0, density.logDensity(eta)).map { Self.finite($0 - $1) }
            let candidateWeights = zip(candidates, density.logDensity(candidates.flatMap(\.eta)))
                .map { Self.finite($0.logTarget - $1) }
            let all = logWeights + candidateWeights
            let logMean = logSumExp(logWeights) - Foundation.log(Double(logWeights.count))
            guard let top = all.max(), top.isFinite, logMean.isFinite else { break }
            if top - logMean <= Foundation.log(10.0) || added.count >= steps {
                let components = Self.responsibilities(
                    mixture: mixture, posteriorCount: start.count - 1 + added.count, logWeights: logWeights,
                    eta: eta, order: r, density: density)
                var next = proposal
                next.components = components
                let kept = Self.largest(
                    eta: eta + candidates.flatMap(\.eta), logTargets: logTarget0 + candidates.map(\.logTarget),
                    logWeights: all, order: r, count: retained.count)
                return (next, spent, kept)
            }
            let points = eta + candidates.flatMap(\.eta)
            guard let centreIndex = all.firstIndex(of: top) else { break }
            let centre = Array(points[(centreIndex * r)..<(centreIndex * r + r)])
            let root =
                Self.localRoot(
                    around: centre, points: points, logWeights: all, order: r, metric: first.root, nearest: draws)
                ?? first.root
            let component = MarginalPoints.Component(weight: 1, center: centre, root: root)
            let batch = MarginalPoints.importance(components: [component], draws: draws, seed: generator.next())
            eta += batch.eta
            logTarget0 += logTarget(batch)
            spent += draws
            added.append(component)
        }
        return (proposal, spent, retained)
    }

    /// q₀'s components in proportion `pilot`, each added component in proportion `draws`.
    static func deterministicMixture(
        _ start: [MarginalPoints.Component], pilot: Int, added: [MarginalPoints.Component], draws: Int
    ) -> [MarginalPoints.Component] {
        let total = Double(pilot + added.count * draws)
        // Posterior components first, then the added ones, the defensive component last (as in `mixture`).
        var mixture = start.dropLast().map { c in
            MarginalPoints.Component(weight: c.weight * Double(pilot) / total, center: c.center, root: c.root)
        }
        for c in added {
            mixture.append(.init(weight: Double(draws) / total, center: c.center, root: c.root))
        }
        if let defensive = start.last {
            mixture.append(
                .init(
                    weight: defensive.weight * Double(pilot) / total, center: defensive.center, root: defensive.root))
        }
        return mixture
    }

    /// The posterior components (the first `posteriorCount` of `mixture`) updated by one Rao–Blackwellised
    /// population Monte Carlo step: with ρ_kc = w_c·t_c(η_k)/q(η_k) the responsibility of component c for draw k
    /// and w_k its importance weight, the weight of c becomes ∝ Σ_k w_k·ρ_kc (each at least 5% of the 0.9 they
    /// share), and its centre and scale the mean and covariance of the draws weighted by w_k·ρ_kc — when those
    /// weights have an effective size of at least 10·R and the covariance is positive definite (else c keeps its
    /// own).
    static func responsibilities(
        mixture: [MarginalPoints.Component], posteriorCount: Int, logWeights: [Double], eta: [Double], order r: Int,
        density: MixtureDensity
    ) -> [MarginalPoints.Component] {
        var share = [Double](repeating: 0, count: posteriorCount)
        var squares = [Double](repeating: 0, count: posteriorCount)
        var sums = [[Double]](repeating: [Double](repeating: 0, count: r), count: posteriorCount)
        var products = [[Double]](repeating: [Double](repeating: 0, count: r * r), count: posteriorCount)
        var terms = [Double](repeating: 0, count: mixture.count)
        var v = [Double](repeating: 0, count: r)
        let top = logWeights.max() ?? 0
        for k in logWeights.indices where logWeights[k].isFinite {
            let point = eta[(k * r)..<(k * r + r)]
            density.logTerms(point, into: &terms, scratch: &v)
            let logQ = logSumExp(terms)
            let w = Foundation.exp(logWeights[k] - top)
            for c in 0..<posteriorCount {
                let omega = w * Foundation.exp(terms[c] - logQ)
                share[c] += omega
                squares[c] += omega * omega
                for a in 0..<r {
                    let ea = point[point.startIndex + a]
                    sums[c][a] += omega * ea
                    for b in 0..<r { products[c][a + b * r] += omega * ea * point[point.startIndex + b] }
                }
            }
        }
        let total = share.reduce(0, +)
        let floored = share.map { total > 0 ? max($0 / total, 0.05) : 1 / Double(posteriorCount) }
        let sum = floored.reduce(0, +)
        return (0..<posteriorCount).map { c in
            var component = MarginalPoints.Component(
                weight: (1 - ReportProposal.defensiveWeight) * floored[c] / sum, center: mixture[c].center,
                root: mixture[c].root)
            guard share[c] > 0, share[c] * share[c] / squares[c] >= 10 * Double(r) else { return component }
            let mean = sums[c].map { $0 / share[c] }
            var covariance = [Double](repeating: 0, count: r * r)
            for a in 0..<r {
                for b in 0..<r { covariance[a + b * r] = products[c][a + b * r] / share[c] - mean[a] * mean[b] }
            }
            if SmallLinearAlgebra.cholesky(&covariance, order: r) {
                component.center = mean
                component.root = covariance
            }
            return component
        }
    }

    /// The lower Cholesky factor of Σ_k ω_k(η_k − c)(η_k − c)ᵀ/Σ_k ω_k over the `nearest` points to c (distance
    /// |M⁻¹(η − c)|, M = `metric`), ω_k = (w̃_k + 1/N)/2 with w̃ the normalised weights of those points; nil
    /// when it is not positive definite.
    static func localRoot(
        around centre: [Double], points: [Double], logWeights: [Double], order r: Int, metric: [Double],
        nearest: Int
    ) -> [Double]? {
        let count = logWeights.count
        var v = [Double](repeating: 0, count: r)
        var distances = [Double](repeating: 0, count: count)
        for k in 0..<count {
            for a in 0..<r { v[a] = points[k * r + a] - centre[a] }
            MarginalPoints.triangularSolve(metric, &v, order: r)
            distances[k] = v.reduce(0) { $0 + $1 * $1 }
        }
        let chosen = distances.indices.sorted { distances[$0] < distances[$1] }.prefix(min(nearest, count))
        let top = chosen.map { logWeights[$0] }.max() ?? 0
        let raw = chosen.map { logWeights[$0].isFinite ? Foundation.exp(logWeights[$0] - top) : 0 }
        let rawSum = raw.reduce(0, +)
        guard rawSum > 0 else { return nil }
        var covariance = [Double](repeating: 0, count: r * r)
        var omegaSum = 0.0
        for (index, k) in chosen.enumerated() {
            let omega = (raw[index] / rawSum + 1 / Double(chosen.count)) / 2
            omegaSum += omega
            for a in 0..<r {
                for b in 0..<r {
                    covariance[a + b * r] += omega * (points[k * r + a] - centre[a]) * (points[k * r + b] - centre[b])
                }
            }
        }
        for a in covariance.indices { covariance[a] /= omegaSum }
        return SmallLinearAlgebra.cholesky(&covariance, order: r) ? covariance : nil
    }

    /// The `count` points of largest weight (η and ln p).
    static func largest(
        eta: [Double], logTargets: [Double], logWeights: [Double], order r: Int, count: Int
    ) -> [RetainedDraw] {
        logWeights.indices.sorted { logWeights[$0] > logWeights[$1] }.prefix(count)
            .filter { logWeights[$0].isFinite }
            .map { k in
                RetainedDraw(eta: Array(eta[(k * r)..<(k * r + r)]), logTarget: logTargets[k], logWeight: logWeights[k])
            }
    }

    /// NaN (an undefined density) counts as weight 0, as in the fixed-point objective.
    static func finite(_ value: Double) -> Double { value.isNaN ? -.infinity : value }
}
