import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
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
    ///
    /// Each candidate is scored over every sample, so their number is capped at ``maximumDistantCandidates``
    /// (evenly spaced through the sorted list, first and last kept): the grid then costs O(n) per subject
    /// instead of O(n²) — a 40,000-sample subject no longer scores 80,000 candidates. Profiles with up to
    /// about 128 samples have fewer candidates than the cap and are scored exactly as before.
    static func distantTmaxCandidates(times: [Double], near: [Double]) -> [Double] {
        var candidates = Array(times.dropFirst())
        for (a, b) in zip(times, times.dropFirst()) where b > a { candidates.append((a + b) / 2) }
        let all = uniquePositive(candidates).filter { !near.contains($0) }
        let cap = maximumDistantCandidates
        guard all.count > cap else { return all }
        return (0..<cap).map { all[$0 * (all.count - 1) / (cap - 1)] }
    }

    /// At most this many Tmax candidates away from the peak are scored.
    static let maximumDistantCandidates = 256

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
        var scorer = GridScorer(
            curve: curve, times: times, logs: logs, fallbackRho: risingSlope(times: times, logs: logs))
        var chosen = near.compactMap { scorer.best(at: $0, coarse: false) }
        let distantBest = distant.compactMap { scorer.best(at: $0, coarse: true) }.sorted { $0.ssr < $1.ssr }
        chosen += distantBest.prefix(distantStarts)
        for point in scorer.overall where !chosen.contains(point) {
            chosen.append(point)
        }
        return chosen.sorted { $0.ssr < $1.ssr }.map { point in
            Candidate(
                ssr: point.ssr,
                theta: curve.theta(
                    logCmax: point.logCmax, tmax: point.tmax, rho: point.rho, alpha: point.alpha, beta: point.beta,
                    fraction: point.fraction))
        }
    }

    /// A coarse grid for Tmax candidates away from the peak, where a start only has to find the basin.
    static let coarseAlphas: [Double] = [0.15, 1.0, 10]
    static let coarseBetas: [Double] = [0.005, 0.05]
    static let coarseFractions: [Double] = [0.02, 0.3]

    /// Slope of ln C from the first sample to the peak: the NCA estimate of ρ used when Tmax leaves no rising
    /// samples to solve it from.
    static func risingSlope(times: [Double], logs: [Double]) -> Double {
        guard let peak = logs.indices.max(by: { logs[$0] < logs[$1] }), peak > 0, times[peak] > times[0] else {
            return 0.3
        }
        let slope = (logs[peak] - logs[0]) / (times[peak] - times[0])
        return slope > 0.01 ? slope : 0.3
    }
}
