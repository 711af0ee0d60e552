import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// How the marginal −2 ln L = −2 Σ ln ∫ p(y_i|η)p(η) dη was computed after estimation.
public enum MarginalMethod: Sendable, Equatable, CustomStringConvertible {
    /// Adaptive Gauss–Hermite quadrature with this many nodes per random-effect dimension.
    case adaptiveGaussHermite(nodes: Int)
    /// Importance sampling with this many draws per subject and the Monte Carlo standard error of −2 ln L.
    case importanceSampling(draws: Int, standardError: Double)
    /// Importance sampling with draws allocated between subjects by their Monte Carlo variance: `draws` in all,
    /// `smallest` to `largest` per subject, and the Monte Carlo standard error of −2 ln L (delta method); the
    /// proposals of `adapted` subjects re-adapted to their posteriors (`adaptationDraws` draws spent placing
    /// them, not in the estimate); `heavyTailed` subjects whose weights keep a Pareto tail shape k̂ > 0.7 (or too
    /// few draws to tell), for whom the SE is a lower bound, and the largest k̂ of any subject.
    case importanceSamplingAllocated(
        draws: Int, smallest: Int, largest: Int, standardError: Double, adapted: Int, adaptationDraws: Int,
        heavyTailed: Int, largestTailShape: Double)
    /// Laplace approximation (no random effects, or the exact computation failed).
    case laplace

    public var description: String {
        switch self {
        case .adaptiveGaussHermite(let n): "adaptive Gauss-Hermite quadrature, \(n) nodes per dimension"
        case .importanceSampling(let draws, let se):
            "importance sampling, \(draws) draws per subject (multivariate t, 5 df), Monte Carlo SE \(String(format: "%.3f", se))"
        case .importanceSamplingAllocated(
            let draws, let smallest, let largest, let se, let adapted, let adaptationDraws, let heavy, let shape):
            "importance sampling, \(draws) draws in all, \(smallest) to \(largest) per subject allocated by each subject's Monte Carlo variance (mixtures of multivariate t, 5 df; \(adapted) subject(s)' proposals re-adapted with \(adaptationDraws) further draws), Monte Carlo SE \(String(format: "%.3f", se)); "
                + (heavy == 0
                    ? "every subject's weights have a Pareto tail shape k <= 0.7 (largest \(String(format: "%.2f", shape)))"
                    : "\(heavy) subject(s)' weights are heavy-tailed (Pareto tail shape k > 0.7, largest \(String(format: "%.2f", shape))): the SE is a lower bound")
        case .laplace: "Laplace approximation"
        }
    }

    /// The Monte Carlo standard error of −2 ln L; nil for the deterministic methods.
    public var standardError: Double? {
        switch self {
        case .importanceSampling(_, let se), .importanceSamplingAllocated(_, _, _, let se, _, _, _, _): se
        case .adaptiveGaussHermite, .laplace: nil
        }
    }
}

/// Exact (to quadrature or Monte Carlo precision) marginal likelihood of one subject, around its conditional mode.
///
/// Both methods change variables to η = η̂ + A·x with A·Aᵀ proportional to H_ℓ⁻¹ (H_ℓ = H_F/2, the Hessian
/// approximation at the mode; H_F = L·Lᵀ), so the integrand is close to a standard Gaussian in x:
/// - AGQ: A = 2·L⁻ᵀ (so that the Laplace Gaussian becomes e^(−|x|²)), and
///   `∫e^(−F(η)/2)dη = |det A|·Σ_k w_k·e^(|x_k|² − F(η̂ + A·x_k)/2)` over the tensor grid of Gauss–Hermite nodes.
///   Exact for a Gaussian integrand; converges fast in the number of nodes otherwise.
/// - IS: η = η̂ + √2·L⁻ᵀ·u, u multivariate t with 5 degrees of freedom (heavier tails than the target, so the
///   weights have finite variance), draws from a fixed seed per subject; the estimate is the mean weight
///   e^(−F/2)/q, and its Monte Carlo variance gives the standard error of −2 ln L_i by the delta method.
struct MarginalLikelihood {
    let objective: SubjectObjective

    /// −2 ln L_i by AGQ with `nodes` per dimension.
    func adaptiveGaussHermite(
        _ subject: PopulationSubject, base: [Double], point: PopulationPoint, mode: SubjectMode,
        rule: GaussHermite
    ) -> Double {
        let r = objective.randomCount
        guard r > 0 else { return mode.objective }
        // The grid (nodes η̂ + A·x_k, log weights ln|det A| + ln w_k + |x_k|²) is the one the importance-sampling
        // machinery's fixed-point objective uses too, built in one place.
        let grid = MarginalPoints.gaussHermite(mode: mode, rule: rule)
        var eta = [Double](repeating: 0, count: r)
        var work = [Double](repeating: 0, count: objective.workCount)
        var terms: [Double] = []
        terms.reserveCapacity(grid.count)
        for k in 0..<grid.count {
            for i in 0..<r { eta[i] = grid.eta[k * r + i] }
            let f = evaluate(subject, base: base, point: point, eta: eta, work: &work)
            terms.append(grid.logWeight[k] - f / 2)
        }
        return -2 * logSumExp(terms)
    }

    /// −2 ln L_i by importance sampling and the variance of that estimate.
    func importanceSampling(
        _ subject: PopulationSubject, base: [Double], point: PopulationPoint, mode: SubjectMode,
        draws: Int, seed: UInt64
    ) -> (value: Double, variance: Double) {
        let r = objective.randomCount
        guard r > 0 else { return (mode.objective, 0) }
        let nu = 5.0
        var generator = SplitMix64(seed: seed)
        var u = [Double](repeating: 0, count: r)
        var eta = u
        var work = [Double](repeating: 0, count: objective.workCount)
        var logWeights: [Double] = []
        logWeights.reserveCapacity(draws)
        // ln |det(√2·L⁻ᵀ)| and the log normalising constant of the t density.
        var logDetA = 0.5 * Double(r) * Foundation.log(2.0)
        for k in 0..<r { logDetA -= Foundation.log(mode.cholesky[k + k * r]) }
        let logConstant =
            Foundation.lgamma((nu + Double(r)) / 2) - Foundation.lgamma(nu / 2)
            - 0.5 * Double(r) * Foundation.log(nu * Double.pi)
        let a = Self.inverseTransposeFactor(mode.cholesky, order: r, scale: 2.squareRoot())
        for _ in 0..<draws {
            var chi = 0.0
            for _ in 0..<Int(nu) {
                let z = generator.normal()
                chi += z * z
            }
            let scale = (chi / nu).squareRoot()
            var norm2 = 0.0
            for k in 0..<r {
                u[k] = generator.normal() / scale
                norm2 += u[k] * u[k]
            }
            for i in 0..<r {
                var v = mode.eta[i]
                for k in 0..<r { v += a[i + k * r] * u[k] }
                eta[i] = v
            }
            let logProposal = logConstant - (nu + Double(r)) / 2 * Foundation.log1p(norm2 / nu) - logDetA
            let f = evaluate(subject, base: base, point: point, eta: eta, work: &work)
            logWeights.append(-f / 2 - logProposal)
        }
        let logMean = logSumExp(logWeights) - Foundation.log(Double(draws))
        // Var(mean w)/mean² = Var(w/mean)/N.
        var sum2 = 0.0
        for lw in logWeights {
            let v = Foundation.exp(lw - logMean) - 1
            sum2 += v * v
        }
        let relativeVariance = sum2 / Double(draws - 1) / Double(draws)
        return (-2 * logMean, 4 * relativeVariance)
    }

    /// scale·L⁻ᵀ (column-major) for the lower Cholesky factor L.
    static func inverseTransposeFactor(_ l: [Double], order r: Int, scale: Double) -> [Double] {
        var a = [Double](repeating: 0, count: r * r)
        for k in 0..<r {
            var column = [Double](repeating: 0, count: r)
            column[k] = 1
            _ = SmallLinearAlgebra.solveWithFactor(l, &column, order: r, transposeOnly: true)
            for i in 0..<r { a[i + k * r] = scale * column[i] }
        }
        return a
    }

    private func evaluate(
        _ subject: PopulationSubject, base: [Double], point: PopulationPoint, eta: [Double],
        work: inout [Double]
    ) -> Double {
        eta.withUnsafeBufferPointer { e in
            work.withUnsafeMutableBufferPointer { w in
                objective.evaluate(subject, base: base, eta: e, point: point, gradient: nil, hessian: nil, work: w)
            }
        }
    }
}

/// ln Σ e^(xᵢ) without overflow; −∞ for an empty or all −∞ input.
func logSumExp(_ values: [Double]) -> Double {
    guard let top = values.max(), top.isFinite else { return values.max() ?? -.infinity }
    var sum = 0.0
    for v in values { sum += Foundation.exp(v - top) }
    return top + Foundation.log(sum)
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seedable generator; one stream per subject makes
/// importance sampling reproducible and independent of thread scheduling.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    private var spare: Double?

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// Standard normal (Box–Muller, both values used).
    mutating func normal() -> Double {
        if let spare {
            self.spare = nil
            return spare
        }
        let u1 = uniform()
        let u2 = uniform()
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        spare = radius * Foundation.sin(2 * Double.pi * u2)
        return radius * Foundation.cos(2 * Double.pi * u2)
    }
}
