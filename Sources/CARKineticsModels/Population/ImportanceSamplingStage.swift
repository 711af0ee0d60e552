import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// One subject's fixed integration points for the marginal likelihood: η_k and a log weight c_k such that
/// L_i(x) ≈ Σ_k e^(c_k − F_i(η_k; x)/2).
///
/// Importance sampling: η_k = m + C·u_k, u_k multivariate t (ν = 5), c_k = −ln K − ln q(η_k), so the sum is the
/// sample mean of the importance weights. Adaptive Gauss–Hermite: η_k the nodes, c_k = ln w_k + |x_k|² +
/// ln|det A|. Either way the points do not depend on x, so the approximation is a smooth function of x with the
/// analytic gradient Σ_k w̃_k ∂F_i(η_k; x)/∂x (w̃ the normalised terms): common random numbers.
struct MarginalPoints: Sendable {
    /// K×R, row k contiguous.
    var eta: [Double]
    /// K log weights.
    var logWeight: [Double]
    var randomCount: Int
    /// When set, the points are held fixed in the individual parameters ψ rather than in η: the random
    /// components of ψ without η (μ + Σβz) at the point where they were drawn, so that at another x the integrand
    /// is evaluated at η_k + anchorBase − base(x). The marginal likelihood is the same integral either way, but the
    /// derivative in μ and β then comes from the prior alone (∂F/∂μ_j = −∂P/∂η_j) instead of the data term: with
    /// sharp data (small σ) the data term's score varies over the posterior an order of magnitude more (2√n/σ
    /// against 2·sd(η|y)/ω²), and its Monte Carlo error moved the typical values' estimates (docs/population.md).
    var anchorBase: [Double]? = nil
    var count: Int { logWeight.count }

    /// One multivariate-t component of a proposal: η = center + C·u, u standard t (5 df), C triangular (R×R,
    /// column-major; a lower Cholesky factor, L⁻ᵀ or a diagonal).
    struct Component {
        var weight: Double
        var center: [Double]
        var root: [Double]
    }

    /// K draws from the mixture Σ_c weight_c·t₅(center_c, C_c·C_cᵀ), from `seed`; ln q is the mixture density, so
    /// the weights are those of the mixture (a defensive component with heavy tails over the prior keeps every
    /// weight p/q bounded: Hesterberg 1995).
    static func importance(components: [Component], draws: Int, seed: UInt64) -> MarginalPoints {
        let r = components.first?.center.count ?? 0
        let nu = 5.0
        var generator = SplitMix64(seed: seed)
        let base =
            Foundation.lgamma((nu + Double(r)) / 2) - Foundation.lgamma(nu / 2)
            - 0.5 * Double(r) * Foundation.log(nu * Double.pi)
        // ln(weight_c) + ln constant_c − ln|det C_c| (C triangular: det is the product of the diagonal).
        let logConstants = components.map { c in
            var logDet = 0.0
            for k in 0..<r { logDet += Foundation.log(abs(c.root[k + k * r])) }
            return Foundation.log(c.weight) + base - logDet
        }
        let logK = Foundation.log(Double(draws))
        var eta = [Double](repeating: 0, count: draws * r)
        var logWeight = [Double](repeating: 0, count: draws)
        var u = [Double](repeating: 0, count: r)
        var v = u
        var point = u
        var terms = [Double](repeating: 0, count: components.count)
        for k in 0..<draws {
            // The component: cumulative weights against one uniform (one component: no draw spent).
            var chosen = components.count - 1
            if components.count > 1 {
                let pick = generator.uniform()
                var cumulative = 0.0
                for (c, component) in components.enumerated() {
                    cumulative += component.weight
                    if pick < cumulative {
                        chosen = c
                        break
                    }
                }
            }
            var chi = 0.0
            for _ in 0..<Int(nu) {
                let z = generator.normal()
                chi += z * z
            }
            let scale = (chi / nu).squareRoot()
            for a in 0..<r { u[a] = generator.normal() / scale }
            let c = components[chosen]
            for a in 0..<r {
                var value = c.center[a]
                for b in 0..<r { value += c.root[a + b * r] * u[b] }
                point[a] = value
                eta[k * r + a] = value
            }
            for (index, component) in components.enumerated() {
                for a in 0..<r { v[a] = point[a] - component.center[a] }
                Self.triangularSolve(component.root, &v, order: r)
                var norm2 = 0.0
                for a in 0..<r { norm2 += v[a] * v[a] }
                terms[index] = logConstants[index] - (nu + Double(r)) / 2 * Foundation.log1p(norm2 / nu)
            }
            logWeight[k] = -logK - logSumExp(terms)
        }
        return MarginalPoints(eta: eta, logWeight: logWeight, randomCount: r)
    }

    /// v ← C⁻¹v for a triangular C (lower or upper, told apart by its entries).
    static func triangularSolve(_ c: [Double], _ v: inout [Double], order r: Int) {
        var lower = true
        for b in 1..<max(r, 1) { for a in 0..<b where c[a + b * r] != 0 { lower = false } }
        if lower {
            for a in 0..<r {
                var s = v[a]
                for b in 0..<a { s -= c[a + b * r] * v[b] }
                v[a] = s / c[a + a * r]
            }
        } else {
            for a in stride(from: r - 1, through: 0, by: -1) {
                var s = v[a]
                for b in (a + 1)..<r { s -= c[a + b * r] * v[b] }
                v[a] = s / c[a + a * r]
            }
        }
    }

    /// The adaptive Gauss–Hermite grid at `mode` (used by ``MarginalLikelihood/adaptiveGaussHermite`` and as
    /// fixed points of the marginal objective): η_k = η̂ + A·x_k, A = 2·L⁻ᵀ, over the tensor grid of `rule`'s
    /// nodes, with log weights ln|det A| + Σ ln w + |x_k|².
    static func gaussHermite(mode: SubjectMode, rule: GaussHermite) -> MarginalPoints {
        let r = mode.eta.count
        let n = rule.nodes.count
        var total = 1
        for _ in 0..<r { total *= n }
        var logDetA = Double(r) * Foundation.log(2.0)
        for k in 0..<r { logDetA -= Foundation.log(mode.cholesky[k + k * r]) }
        let a = MarginalLikelihood.inverseTransposeFactor(mode.cholesky, order: r, scale: 2)
        var eta = [Double](repeating: 0, count: total * r)
        var logWeight = [Double](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: r)
        for k in 0..<total {
            var lw = logDetA
            for q in 0..<r {
                let x = rule.nodes[index[q]]
                lw += Foundation.log(rule.weights[index[q]]) + x * x
            }
            for i in 0..<r {
                var v = mode.eta[i]
                for q in 0..<r { v += a[i + q * r] * rule.nodes[index[q]] }
                eta[k * r + i] = v
            }
            logWeight[k] = lw
            var q = 0
            while q < r {
                index[q] += 1
                if index[q] < n { break }
                index[q] = 0
                q += 1
            }
        }
        return MarginalPoints(eta: eta, logWeight: logWeight, randomCount: r)
    }
}

/// One subject's fixed-point marginal −2 ln L_i, its gradient in x and the weighted posterior moments of η.
struct MarginalTerm: Sendable {
    var value: Double
    /// ∂(−2 ln L_i)/∂x (the subject's score on the −2 ln L scale); empty when not requested.
    var gradient: [Double]
    /// Monte Carlo variance of `value` (delta method); meaningful for importance sampling only.
    var variance: Double
    /// Weighted mean and covariance (R×R) of η under the normalised terms: the posterior's, to re-centre proposals.
    var mean: [Double]
    var covariance: [Double]
    /// Effective sample size (Σw)²/Σw².
    var effectiveSize: Double
    /// The Monte Carlo covariance of `gradient` (p×p, column-major; the self-normalised estimator's delta-method
    /// variance Σ_k w̃_k²(g_k − ḡ)(g_k − ḡ)ᵀ); empty unless requested.
    var scoreVariance: [Double] = []
}

extension PopulationFitter {
    /// −2 ln p(η | Ω) and, into `gradient` (one entry per Ω parameter of x: the ln L_qq, then the blocks'
    /// off-diagonal Cholesky entries, overwritten), its derivative with respect to those parameters — by
    /// ``RandomEffectCovariance/minus2LogDensity(eta:diagonal:lower:etaGradient:etaHessian:thetaGradient:adding:)``,
    /// so the importance-sampling stage and the Laplace objective share one prior (diagonal: Σ_q [ln(2π ω_q²) +
    /// η_q²/ω_q²], ∂/∂ ln ω_q = 2 − 2η_q²/ω_q²).
    static func priorTerm(
        eta: UnsafeBufferPointer<Double>, point: PopulationPoint, covariance: RandomEffectCovariance,
        gradient: UnsafeMutableBufferPointer<Double>?, etaGradient: UnsafeMutableBufferPointer<Double>? = nil
    ) -> Double {
        if let gradient { for j in gradient.indices { gradient[j] = 0 } }
        if let etaGradient { for j in etaGradient.indices { etaGradient[j] = 0 } }
        return covariance.minus2LogDensity(
            eta: eta, diagonal: point.omega, lower: point.lower, etaGradient: etaGradient, thetaGradient: gradient)
    }

    /// The fixed-point marginal term of one subject at x: −2 ln Σ_k e^(c_k − F(η_k; x)/2), accumulated in one
    /// pass with a running maximum (no stored draws), and when `wantsGradient` Σ_k w̃_k ∂F(η_k; x)/∂x with
    /// ∂F/∂μ_j = ∂D/∂ψ_j, ∂F/∂β_c = ∂D/∂ψ_(j(c))·z_c, ∂F/∂ln σ from ``SubjectObjective/dataTerm``, ∂F/∂ln ω from
    /// ``priorTerm(eta:point:covariance:gradient:)``. Points held in ψ (``MarginalPoints/anchorBase``) are
    /// evaluated at η_k + anchorBase − base(x), and for a parameter with a random effect q then
    /// ∂F/∂μ_j = −∂P/∂η_q and ∂F/∂β_c = −∂P/∂η_q·z_c (P = −2 ln p(η|Ω)).
    func marginalTerm(
        _ x: [Double], layout: Layout, subject: PopulationSubject, terms: [CovariateTerm],
        objective: SubjectObjective, points: MarginalPoints, wantsGradient: Bool, wantsScoreVariance: Bool = false
    ) -> MarginalTerm {
        let p = x.count
        let r = layout.r
        let n = objective.parameterCount
        let point = layout.point(x)
        let base = objective.baseParameters(subject, point: point, terms: terms)
        var psi = [Double](repeating: 0, count: n)
        var dpsi = [Double](repeating: 0, count: n)
        var dsigma = [Double](repeating: 0, count: layout.s)
        var domega = [Double](repeating: 0, count: layout.sigmaOffset - layout.omegaOffset)
        var work = [Double](repeating: 0, count: objective.workCount)
        var g = [Double](repeating: 0, count: p)
        var sumG = [Double](repeating: 0, count: wantsGradient ? p : 0)
        var sumEta = [Double](repeating: 0, count: r)
        var sumEta2 = [Double](repeating: 0, count: r * r)
        // Σ w²·g and Σ w²·g·gᵀ for the score's Monte Carlo covariance.
        let scoreMoments = wantsGradient && wantsScoreVariance
        var sumG2 = [Double](repeating: 0, count: scoreMoments ? p : 0)
        var sumGG2 = [Double](repeating: 0, count: scoreMoments ? p * p : 0)
        var top = -Double.infinity
        var s1 = 0.0
        var s2 = 0.0
        let heldInPsi = points.anchorBase != nil
        var shift = [Double](repeating: 0, count: r)
        if let anchorBase = points.anchorBase {
            for q in 0..<r { shift[q] = anchorBase[q] - base[objective.randomIndex[q]] }
        }
        // The random-effect slot of each structural parameter (nil: no η).
        var slot = [Int?](repeating: nil, count: n)
        for (q, j) in objective.randomIndex.enumerated() { slot[j] = q }
        var eta = [Double](repeating: 0, count: r)
        var detaPrior = [Double](repeating: 0, count: r)
        for k in 0..<points.count {
            for q in 0..<r { eta[q] = points.eta[k * r + q] + shift[q] }
            for j in 0..<n { psi[j] = base[j] }
            for q in 0..<r { psi[objective.randomIndex[q]] += eta[q] }
            let data = psi.withUnsafeBufferPointer { ps in
                dpsi.withUnsafeMutableBufferPointer { dp in
                    dsigma.withUnsafeMutableBufferPointer { ds in
                        work.withUnsafeMutableBufferPointer { w in
                            objective.dataTerm(
                                subject, psi: ps, point: point, gradientPsi: wantsGradient ? dp : nil,
                                gradientLogSigma: wantsGradient ? ds : nil, work: w)
                        }
                    }
                }
            }
            let prior = eta.withUnsafeBufferPointer { e in
                domega.withUnsafeMutableBufferPointer { d in
                    detaPrior.withUnsafeMutableBufferPointer { de in
                        Self.priorTerm(
                            eta: e, point: point, covariance: objective.covariance,
                            gradient: wantsGradient ? d : nil, etaGradient: wantsGradient && heldInPsi ? de : nil)
                    }
                }
            }
            let f = data + prior
            let ell = points.logWeight[k] - f / 2
            guard ell.isFinite else { continue }
            if ell > top {
                // Rescale the running sums to the new maximum.
                let factor = top.isFinite ? Foundation.exp(top - ell) : 0
                s1 *= factor
                s2 *= factor * factor
                for j in sumG.indices { sumG[j] *= factor }
                for a in 0..<r { sumEta[a] *= factor }
                for a in 0..<(r * r) { sumEta2[a] *= factor }
                for j in sumG2.indices { sumG2[j] *= factor * factor }
                for j in sumGG2.indices { sumGG2[j] *= factor * factor }
                top = ell
            }
            let w = Foundation.exp(ell - top)
            s1 += w
            s2 += w * w
            for a in 0..<r {
                sumEta[a] += w * eta[a]
                for b in 0..<r { sumEta2[a + b * r] += w * eta[a] * eta[b] }
            }
            guard wantsGradient else { continue }
            // ∂F/∂ψ_j at fixed η, or −∂P/∂η_q at fixed ψ.
            for j in 0..<layout.k { g[j] = heldInPsi ? (slot[j].map { -detaPrior[$0] } ?? dpsi[j]) : dpsi[j] }
            for (c, term) in terms.enumerated() { g[layout.k + c] = g[term.parameterIndex] * subject.design[c] }
            for q in domega.indices { g[layout.omegaOffset + q] = domega[q] }
            for q in 0..<layout.s { g[layout.sigmaOffset + q] = dsigma[q] }
            for j in 0..<p { sumG[j] += w * g[j] }
            guard scoreMoments else { continue }
            let w2 = w * w
            for b in 0..<p {
                sumG2[b] += w2 * g[b]
                for a in 0..<p { sumGG2[a + b * p] += w2 * g[a] * g[b] }
            }
        }
        guard s1 > 0, top.isFinite else {
            return MarginalTerm(
                value: .infinity, gradient: wantsGradient ? [Double](repeating: .nan, count: p) : [],
                variance: .infinity, mean: [], covariance: [], effectiveSize: 0)
        }
        let value = -2 * (top + Foundation.log(s1))
        let mean = sumEta.map { $0 / s1 }
        var covariance = [Double](repeating: 0, count: r * r)
        for a in 0..<r { for b in 0..<r { covariance[a + b * r] = sumEta2[a + b * r] / s1 - mean[a] * mean[b] } }
        let kk = Double(points.count)
        // Var(mean w)/mean² ≈ (K·Σw²/(Σw)² − 1)/K; × 4 on the −2 ln scale.
        let variance = 4 * max(0, kk * s2 / (s1 * s1) - 1) / kk
        var scoreVariance: [Double] = []
        if scoreMoments {
            // Σ w²(g − ḡ)(g − ḡ)ᵀ/(Σw)² with ḡ = Σwg/Σw, expanded over the running sums.
            let mean = sumG.map { $0 / s1 }
            scoreVariance = [Double](repeating: 0, count: p * p)
            for b in 0..<p {
                for a in 0..<p {
                    scoreVariance[a + b * p] =
                        (sumGG2[a + b * p] - mean[a] * sumG2[b] - sumG2[a] * mean[b] + mean[a] * mean[b] * s2)
                        / (s1 * s1)
                }
            }
        }
        return MarginalTerm(
            value: value, gradient: sumG.map { $0 / s1 }, variance: variance, mean: mean, covariance: covariance,
            effectiveSize: s1 * s1 / s2, scoreVariance: scoreVariance)
    }

    /// The fixed-point marginal objective Σ_i −2 ln L_i over all subjects (subject order), its gradient, and the
    /// per-subject terms.
    func marginalObjective(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, points: [MarginalPoints],
        wantsGradient: Bool
    ) -> (value: Double, gradient: [Double], terms: [MarginalTerm]) {
        let subjects = data.subjects
        let empty = MarginalTerm(
            value: .infinity, gradient: [], variance: 0, mean: [], covariance: [], effectiveSize: 0)
        var terms = [MarginalTerm](repeating: empty, count: subjects.count)
        let work: @Sendable (Int) -> MarginalTerm = { i in
            marginalTerm(
                x, layout: layout, subject: subjects[i], terms: data.terms, objective: objective, points: points[i],
                wantsGradient: wantsGradient)
        }
        if options.parallel && subjects.count >= 8 && ProcessInfo.processInfo.activeProcessorCount > 1 {
            terms.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let output = out
                DispatchQueue.concurrentPerform(iterations: subjects.count) { i in output[i] = work(i) }
            }
        } else {
            for i in subjects.indices { terms[i] = work(i) }
        }
        var value = 0.0
        var gradient = [Double](repeating: 0, count: wantsGradient ? x.count : 0)
        for term in terms {
            value += term.value
            for j in gradient.indices { gradient[j] += term.gradient[j] }
        }
        if value.isNaN { value = .infinity }
        return (value, gradient.map { $0.isFinite ? $0 : .nan }, terms)
    }

    /// Ω's lower Cholesky factor at x (r×r, column-major): diag(ω) for independent effects — exactly, as before
    /// blocks existed — and `dpotrf` of Ω when there are blocks (the stage's defensive component is N(0, Ω)).
    static func priorRoot(_ x: [Double], layout: Layout, objective: SubjectObjective) -> [Double] {
        let point = layout.point(x)
        let r = point.omega.count
        var root = [Double](repeating: 0, count: r * r)
        guard !objective.covariance.blocks.isEmpty else {
            for q in 0..<r { root[q + q * r] = point.omega[q] }
            return root
        }
        root = objective.covariance.matrix(diagonal: point.omega, lower: point.lower)
        // Ω = LLᵀ with L = the blocks' own factors, so it is positive definite by construction.
        _ = SmallLinearAlgebra.cholesky(&root, order: r)
        return root
    }

    /// Importance-sampling points for every subject, a mixture of two multivariate t (5 df) proposals: 90% at the
    /// subject's posterior — the weighted posterior mean and covariance of `moments` (NONMEM's IMP adaptation,
    /// which follows skewed, BLQ-dominated posteriors the Laplace Gaussian misses), or the Laplace mode with
    /// scale √2·L⁻ᵀ (H_F = L·Lᵀ) when `moments` is nil or a subject's weighted sample is too small (effective size
    /// < 30) to trust — and 10% defensive over the prior N(0, Ω) (`priorRoot`: Ω's lower Cholesky factor, r×r column-major), so no weight can be unbounded
    /// where the posterior has mass the first component misses (a second mode).
    func importancePoints(
        modes: [SubjectMode], moments: [MarginalTerm]?, priorRoot: [Double], draws: Int, seed: UInt64
    ) -> [MarginalPoints] {
        modes.indices.map { i in
            importancePoints(
                mode: modes[i], moment: moments?[i], priorRoot: priorRoot, draws: draws,
                seed: Self.subjectSeed(seed, subject: i))
        }
    }

    /// The seed of subject `i`'s draws in a run seeded by `seed`.
    static func subjectSeed(_ seed: UInt64, subject i: Int) -> UInt64 { seed &+ UInt64(i) &* 0x9E37_79B9 }

    /// One subject's proposal (as in ``importancePoints(modes:moments:priorRoot:draws:seed:)``) and `draws`
    /// points from it, from the subject's own `seed`.
    func importancePoints(
        mode: SubjectMode, moment: MarginalTerm?, priorRoot: [Double], draws: Int, seed: UInt64
    ) -> MarginalPoints {
        MarginalPoints.importance(
            components: proposal(mode: mode, moment: moment, priorRoot: priorRoot).mixture, draws: draws, seed: seed)
    }
}

extension SubjectObjective {
    /// The data part of F: Σ_j over samples of the Gaussian or M3 term at full transformed parameters ψ (η
    /// included), its gradient in ψ (all structural parameters) and in ln σ (one per residual parameter).
    ///
    /// Terms as in ``evaluate(_:base:eta:point:gradient:hessian:work:)``; with ∂s/∂ln σ_add = σ_add²/s and
    /// ∂s/∂ln σ_prop = σ_prop²p²/s (combined), = s otherwise: quantified ∂T/∂s = 2(1 − r²)/s, censored
    /// ∂T/∂s = 2·m·z/s (m the Mills ratio φ(z)/Φ(z)). `work` needs ``workCount`` entries.
    func dataTerm(
        _ subject: PopulationSubject, psi: UnsafeBufferPointer<Double>, point: PopulationPoint,
        gradientPsi: UnsafeMutableBufferPointer<Double>?, gradientLogSigma: UnsafeMutableBufferPointer<Double>?,
        work: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let n = parameterCount
        let dpsi = UnsafeMutableBufferPointer(rebasing: work[0..<n])
        let scratch = UnsafeMutableBufferPointer(rebasing: work[n...])
        let wantsDerivatives = gradientPsi != nil
        if let gradientPsi { for k in 0..<n { gradientPsi[k] = 0 } }
        if let gradientLogSigma { for k in 0..<gradientLogSigma.count { gradientLogSigma[k] = 0 } }
        let logScale = error == .logAdditive
        let sigmaA = point.sigma[0]
        let sigmaP = error == .combined ? point.sigma[1] : 0
        var total = 0.0
        subject.columns.withUnsafeBufferPointer { columns in
            for j in 0..<subject.times.count {
                let p = structure.predict(
                    t: subject.times[j], psi: psi, columns: columns, logScale: logScale,
                    gradient: wantsDerivatives ? dpsi : nil, scratch: scratch)
                let (s, dsFactor) = error.standardDeviation(prediction: p, sigmaA: sigmaA, sigmaP: sigmaP)
                let observed = logScale ? Foundation.log(subject.values[j]) : subject.values[j]
                let cp: Double // ∂T/∂p
                let cs: Double // ∂T/∂s
                if !subject.censored[j] {
                    let res = (observed - p) / s
                    total += Foundation.log(2 * Double.pi * s * s) + res * res
                    guard wantsDerivatives else { continue }
                    cs = 2 * (1 - res * res) / s
                    cp = -2 * res / s + cs * dsFactor
                } else {
                    let z = (observed - p) / s
                    total -= 2 * NormalTail.logCDF(z)
                    guard wantsDerivatives else { continue }
                    let m = NormalTail.millsRatio(z)
                    cs = 2 * m * z / s
                    cp = 2 * m / s + cs * dsFactor
                }
                if let gradientPsi { for k in 0..<n { gradientPsi[k] += cp * dpsi[k] } }
                if let gradientLogSigma {
                    switch error {
                    case .logAdditive, .additive, .proportional: gradientLogSigma[0] += cs * s
                    case .combined:
                        gradientLogSigma[0] += cs * sigmaA * sigmaA / s
                        gradientLogSigma[1] += cs * sigmaP * sigmaP * p * p / s
                    }
                }
            }
        }
        return total.isFinite ? total : .infinity
    }
}

extension PopulationFitter {
    /// What the importance-sampling stage produced.
    struct ImportanceStage {
        var minimum: Minimum
        /// The points anchored at the estimates, fixed (the subjects' scores for the sandwich).
        var points: [MarginalPoints]
        var rounds: Int
        var draws: Int
        /// Monte Carlo SE of the stage's −2 ln L at its optimum (from the optimisation draws).
        var standardError: Double
        /// Posterior moments at the optimum, to place the reporting draws.
        var moments: [MarginalTerm]
        /// Posterior moments at the start (the Laplace estimates).
        var startMoments: [MarginalTerm]
        /// The proposals anchored at the estimates (the Hessian differentiates the score they carry).
        var proposals: FollowingProposals
    }

    /// Maximises the importance-sampling marginal likelihood from the Laplace optimum `start` (dim η > 2) with
    /// mode-following proposals (``FollowingProposals``): proposals first adapted at the start (two passes of
    /// moment matching from Laplace-centred draws), then up to ``Options/importanceRounds`` rounds of BFGS on the
    /// mode-following objective (warm-started with the previous round's inverse-Hessian approximation), each
    /// followed by re-anchoring the proposals on the posterior moments at the new estimates; stops when no
    /// estimate moves by more than 0.01 on the estimation scale. The returned points are the proposals anchored at
    /// the estimates, fixed: the objective whose Hessian gives the SEs.
    func importanceSamplingStage(
        from start: Minimum, layout: Layout, data: PopulationData, objective: SubjectObjective
    ) -> ImportanceStage? {
        let draws = options.importanceDraws
        let seed = options.seed ^ 0x5EED_0F15_0000_0001
        var x = start.x
        var modes = start.modes
        // Adapt the proposals at the start point (Laplace Gaussians miss skewed, BLQ-dominated posteriors): two
        // passes of moment matching, each from the previous pass's weighted draws.
        var proposals = anchors(modes: modes, moments: nil, draws: draws, seed: seed)
        var terms: [MarginalTerm] = []
        for _ in 0..<2 {
            terms =
                followingObjective(
                    x, layout: layout, data: data, objective: objective, warm: modes.map(\.eta), proposals: proposals
                ).terms
            proposals = anchors(modes: modes, moments: terms, draws: draws, seed: seed)
        }
        let startMoments = terms
        var inverse = start.inverse
        var minimum = start
        var rounds = 0
        var iterations = 0
        var evaluations = 0
        // 0 rounds: no optimisation, only the adapted proposals, SEs and −2 ln L at the Laplace estimates (a
        // diagnostic: the exact −2 ln L of the Laplace estimates by the same estimator as the stage's).
        for _ in 0..<options.importanceRounds {
            rounds += 1
            let result = minimise(
                from: x, warm: modes.map(\.eta), layout: layout, data: data, objective: objective,
                kind: .following(proposals), inverseHessian: inverse)
            guard result.value.isFinite else { return nil }
            iterations += result.iterations
            evaluations += result.evaluations
            let moved = zip(result.x, x).map { abs($0 - $1) }.max() ?? 0
            x = result.x
            inverse = result.inverse
            modes = result.modes
            minimum = result
            // Re-anchor at the new estimates: the proposals fitted to the posteriors there.
            terms =
                followingObjective(
                    x, layout: layout, data: data, objective: objective, warm: modes.map(\.eta), proposals: proposals
                ).terms
            proposals = anchors(modes: modes, moments: terms, draws: draws, seed: seed)
            if moved <= 0.01 { break }
        }
        let final = followingObjective(
            x, layout: layout, data: data, objective: objective, warm: modes.map(\.eta), proposals: proposals,
            wantsScoreVariance: true)
        modes = final.evaluation.modes
        minimum.modes = modes
        minimum.iterations = iterations
        minimum.evaluations = evaluations
        return ImportanceStage(
            minimum: minimum, points: final.points, rounds: rounds, draws: draws,
            standardError: final.terms.reduce(0) { $0 + $1.variance }.squareRoot(), moments: final.terms,
            startMoments: startMoments, proposals: proposals)
    }

    /// The importance-sampling stage with a guard: its estimates are kept only when the exact −2 ln L there
    /// (``importanceReport(_:layout:data:objective:modes:moments:adaptations:budgetPerSubject:)``, fresh draws) is
    /// not worse than a screening value at the Laplace estimates by more than 2 Monte Carlo SEs of the
    /// difference; otherwise the Laplace estimates are kept (with the full report there) and the stage only
    /// supplies the Hessian there (0 rounds). A safety net: with proposals carried by the modes the stage beat the
    /// Laplace estimates on every Stein replicate measured (docs/population.md). Returns the stage, the reported
    /// −2 ln L and a note.
    func guardedImportanceStage(
        from start: Minimum, layout: Layout, data: PopulationData, objective: SubjectObjective
    ) -> (stage: ImportanceStage, report: (Double, MarginalMethod), note: String)? {
        guard let moved = importanceSamplingStage(from: start, layout: layout, data: data, objective: objective)
        else { return nil }
        func standardError(_ method: MarginalMethod) -> Double {
            method.standardError ?? 0
        }
        let laplaceStatus = "\(start.converged ? "converged" : "not converged"): \(start.reason)"
        let atStage = importanceReport(
            moved.minimum.x, layout: layout, data: data, objective: objective, modes: moved.minimum.modes,
            moments: moved.moments)
        guard moved.rounds > 0 else {
            return (
                moved, atStage,
                "the Laplace estimates (\(laplaceStatus)) with -2 ln L and SEs from the importance-sampling likelihood (\(moved.draws) draws per subject)"
            )
        }
        // The Laplace estimates' −2 ln L only to the precision a safety net needs (8,000 draws per subject at most,
        // no re-adaptation: SE ≈ 0.2–0.4 on 150 Stein subjects, ~1 s instead of a second full report); the full
        // report there only when the guard keeps them.
        let screen = importanceReport(
            start.x, layout: layout, data: data, objective: objective, modes: start.modes,
            moments: moved.startMoments, adaptations: 0, budgetPerSubject: Self.guardBudgetPerSubject)
        let tolerance =
            2
            * (standardError(atStage.1) * standardError(atStage.1)
            + standardError(screen.1) * standardError(screen.1)).squareRoot()
        if screen.0 + tolerance < atStage.0 {
            let atStart = importanceReport(
                start.x, layout: layout, data: data, objective: objective, modes: start.modes,
                moments: moved.startMoments)
            var fixed = self
            fixed.options.importanceRounds = 0
            guard
                var kept = fixed.importanceSamplingStage(from: start, layout: layout, data: data, objective: objective)
            else { return nil }
            kept.minimum.iterations = moved.minimum.iterations
            kept.minimum.evaluations = moved.minimum.evaluations
            return (
                kept, atStart,
                "the importance-sampling stage (\(moved.draws) draws per subject, \(moved.rounds) round(s)) did not improve the exact likelihood: -2 ln L \(String(format: "%.2f", atStage.0)) at its estimates against \(String(format: "%.2f", atStart.0)) at the Laplace estimates (independent draws), so the Laplace estimates (\(laplaceStatus)) are kept, with SEs from the Hessian of the importance-sampling likelihood there"
            )
        }
        return (
            moved, atStage,
            "estimates maximise the importance-sampling likelihood (\(moved.draws) draws per subject carried by each subject's conditional mode, \(moved.rounds) round(s) of proposals re-anchored on the posterior moments, Monte Carlo SE of its -2 ln L \(String(format: "%.2f", moved.standardError)); exact -2 ln L \(String(format: "%.2f", atStage.0)) against \(String(format: "%.2f", screen.0)) (SE \(String(format: "%.2f", standardError(screen.1)))) at the Laplace estimates) after the Laplace stage (\(laplaceStatus))"
        )
    }
}
