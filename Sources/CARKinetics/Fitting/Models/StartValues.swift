import Foundation

/// Systematic multi-start for the kinetic curves.
///
/// The objective has kinks in Tmax (the curve switches branch where Tmax crosses a sample time) and several
/// local minima in (α, β, fb). Every start is therefore a point of a small grid: Tmax candidates around the
/// observed peak × α × β × fb. For each grid point the two parameters that enter linearly on the log scale —
/// ln Cmax and ρ (given Tmax) — are solved in closed form, so scoring the grid costs one pass over the
/// samples per point. Local optimisation then starts from the best grid point of every Tmax candidate and
/// from the best few overall.
struct StartGrid: Sendable {
    static let alphas: [Double] = [0.05, 0.15, 0.4, 1.0, 3.0, 10, 30]
    static let betas: [Double] = [0.001, 0.005, 0.02, 0.08, 0.2]
    static let fractions: [Double] = [0.003, 0.02, 0.1, 0.3, 0.6]
    /// How many of the overall best grid points are refined in addition to the best per Tmax candidate.
    static let overallBest = 4

    struct Candidate {
        var ssr: Double
        var theta: [Double]
    }

    /// Tmax candidates near the observed peak: its time, the two neighbouring sample times, and the quarter
    /// points of the intervals on either side — one start inside every smooth piece of the objective near it.
    static func tmaxCandidates(times: [Double], logs: [Double]) -> [Double] {
        guard let peak = logs.indices.max(by: { logs[$0] < logs[$1] }) else { return [] }
        var candidates = [times[peak]]
        for neighbour in [peak - 1, peak + 1] where times.indices.contains(neighbour) {
            let (a, b) = (min(times[neighbour], times[peak]), max(times[neighbour], times[peak]))
            candidates.append(times[neighbour])
            for q in [0.25, 0.5, 0.75] { candidates.append(a + q * (b - a)) }
        }
        return uniquePositive(candidates)
    }

    /// Tmax candidates away from the observed peak: every other sample time after the first and the midpoints
    /// between samples. With noisy or sparse data the highest sample need not be near the best Tmax (a late
    /// persistence sample can be the highest), so the grid scores these too; the best few are refined.
    static func distantTmaxCandidates(times: [Double], near: [Double]) -> [Double] {
        var candidates = Array(times.dropFirst())
        for (a, b) in zip(times, times.dropFirst()) where b > a { candidates.append((a + b) / 2) }
        return uniquePositive(candidates).filter { !near.contains($0) }
    }

    private static func uniquePositive(_ values: [Double]) -> [Double] {
        var unique: [Double] = []
        for c in values.sorted() where c > 0 && unique.last != c { unique.append(c) }
        return unique
    }

    /// How many Tmax candidates away from the peak contribute their best grid point as a start.
    static let distantStarts = 3

    /// Scores every grid point and returns the starts to refine, best first.
    static func starts(curve: KineticCurve, times: [Double], logs: [Double]) -> [Candidate] {
        let near = curve.estimatesTmax ? tmaxCandidates(times: times, logs: logs) : [curve.fixedTmax]
        let distant = curve.estimatesTmax ? distantTmaxCandidates(times: times, near: near) : []
        let fallbackRho = risingSlope(times: times, logs: logs)
        var all: [Candidate] = []
        func bestOfGrid(at tmax: Double, coarse: Bool) -> Candidate? {
            var best: Candidate?
            forEachDecline(curve.decline, coarse: coarse) { alpha, beta, fraction in
                guard let candidate = score(
                    curve: curve, times: times, logs: logs, tmax: tmax, alpha: alpha, beta: beta, fraction: fraction,
                    fallbackRho: fallbackRho)
                else { return }
                all.append(candidate)
                if candidate.ssr < best?.ssr ?? .infinity { best = candidate }
            }
            return best
        }
        var chosen = near.compactMap { bestOfGrid(at: $0, coarse: false) }
        let distantBest = distant.compactMap { bestOfGrid(at: $0, coarse: true) }.sorted { $0.ssr < $1.ssr }
        chosen += distantBest.prefix(distantStarts)
        all.sort { $0.ssr < $1.ssr }
        for candidate in all.prefix(overallBest) where !chosen.contains(where: { $0.theta == candidate.theta }) {
            chosen.append(candidate)
        }
        return chosen.sorted { $0.ssr < $1.ssr }
    }

    /// A coarse grid for Tmax candidates away from the peak, where a start only has to find the basin.
    static let coarseAlphas: [Double] = [0.15, 1.0, 10]
    static let coarseBetas: [Double] = [0.005, 0.05]
    static let coarseFractions: [Double] = [0.02, 0.3]

    private static func forEachDecline(
        _ decline: KineticCurve.Decline, coarse: Bool, _ body: (Double, Double, Double) -> Void
    ) {
        let (alphas, betas, fractions) = coarse
            ? (coarseAlphas, coarseBetas, coarseFractions) : (Self.alphas, Self.betas, Self.fractions)
        switch decline {
        case .monoExponential:
            for alpha in alphas { body(alpha, 0, 0) }
        case .biExponential:
            for alpha in alphas { for beta in betas where beta < alpha { for f in fractions { body(alpha, beta, f) } } }
        case .biExponentialFlat:
            for alpha in alphas { for f in fractions { body(alpha, 0, f) } }
        }
    }

    /// Slope of ln C from the first sample to the peak: the NCA estimate of ρ used when Tmax leaves no rising
    /// samples to solve it from.
    static func risingSlope(times: [Double], logs: [Double]) -> Double {
        guard let peak = logs.indices.max(by: { logs[$0] < logs[$1] }), peak > 0, times[peak] > times[0] else {
            return 0.3
        }
        let slope = (logs[peak] - logs[0]) / (times[peak] - times[0])
        return slope > 0.01 ? slope : 0.3
    }

    /// Sum of squares at one grid point with ln Cmax (and ρ) solved by least squares.
    private static func score(
        curve: KineticCurve, times: [Double], logs: [Double], tmax: Double, alpha: Double, beta: Double,
        fraction: Double, fallbackRho: Double
    ) -> Candidate? {
        // Design: z_i = L + ρ·d_i, with d_i = t_i − Tmax on the rising branch and 0 after the peak.
        var n = 0.0, sumD = 0.0, sumDD = 0.0, sumZ = 0.0, sumDZ = 0.0
        var residualBase: [Double] = []
        var slopes: [Double] = []
        residualBase.reserveCapacity(times.count)
        slopes.reserveCapacity(times.count)
        for (t, y) in zip(times, logs) {
            if !curve.hasExpansion && t < tmax { continue }
            var d = 0.0
            var z = y
            if t <= tmax {
                d = curve.hasExpansion ? t - tmax : 0
            } else {
                let tau = t - tmax
                let s: Double
                switch curve.decline {
                case .monoExponential: s = -alpha * tau
                case .biExponential, .biExponentialFlat:
                    s = Foundation.log((1 - fraction) * Foundation.exp(-alpha * tau) + fraction * Foundation.exp(-beta * tau))
                }
                z -= s
            }
            n += 1; sumD += d; sumDD += d * d; sumZ += z; sumDZ += d * z
            residualBase.append(z)
            slopes.append(d)
        }
        guard n > 0 else { return nil }
        var rho = fallbackRho
        let determinant = n * sumDD - sumD * sumD
        if curve.hasExpansion, determinant > 1e-12 * max(1, n * sumDD) {
            rho = (n * sumDZ - sumD * sumZ) / determinant
        }
        rho = max(rho, 0.01)
        let logCmax = (sumZ - rho * sumD) / n
        var ssr = 0.0
        for (z, d) in zip(residualBase, slopes) {
            let r = z - logCmax - rho * d
            ssr += r * r
        }
        guard ssr.isFinite else { return nil }
        let theta = curve.theta(logCmax: logCmax, tmax: tmax, rho: rho, alpha: alpha, beta: beta, fraction: fraction)
        return Candidate(ssr: ssr, theta: theta)
    }
}
