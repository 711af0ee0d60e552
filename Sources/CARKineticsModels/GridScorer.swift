import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// One scored point of the start grid: the decline parameters tried, and ln Cmax and ρ solved for them.
struct GridPoint: Equatable {
    var ssr: Double
    var tmax: Double
    var alpha: Double
    var beta: Double
    var fraction: Double
    var logCmax: Double
    var rho: Double

    static func == (a: GridPoint, b: GridPoint) -> Bool {
        a.tmax == b.tmax && a.alpha == b.alpha && a.beta == b.beta && a.fraction == b.fraction
    }
}

/// Scores ``StartGrid`` points: for a Tmax candidate and decline parameters (α, β, fb), the sum of squares on
/// the log scale with ln Cmax and ρ — which enter linearly given Tmax — solved by least squares.
///
/// Why it is shaped this way: a subject scores over a thousand grid points, and this used to cost as much as
/// all the local optimisation after it. Per Tmax candidate the rising samples contribute fixed sums, e^(−ατ)
/// and e^(−βτ) are computed once per rate, and each grid point then costs one `log` per decline sample plus
/// closed-form normal equations; nothing is allocated per point, and the overall best points are kept in a
/// short sorted list instead of sorting every point.
struct GridScorer {
    let curve: KineticCurve
    let times: [Double]
    /// ln C minus its mean: centring keeps the closed-form sum of squares (a difference of sums) accurate.
    let centredLogs: [Double]
    let meanLog: Double
    let fallbackRho: Double
    /// The best ``StartGrid/overallBest`` points over every call of ``best(at:coarse:)``, best first; among
    /// equal sums of squares the earlier-scored point comes first.
    private(set) var overall: [GridPoint] = []

    private var tau: [Double] = []
    private var declineLogs: [Double] = []
    private var fastDecay: [Double] = []
    private var slowDecay: [Double] = []

    init(curve: KineticCurve, times: [Double], logs: [Double], fallbackRho: Double) {
        self.curve = curve
        self.times = times
        let mean = logs.isEmpty ? 0 : logs.reduce(0, +) / Double(logs.count)
        meanLog = mean
        centredLogs = logs.map { $0 - mean }
        self.fallbackRho = fallbackRho
        tau.reserveCapacity(times.count)
        declineLogs.reserveCapacity(times.count)
    }

    /// Scores the full grid (or the coarse one) at `tmax` and returns its best point, or nil when no point
    /// has a finite sum of squares.
    mutating func best(at tmax: Double, coarse: Bool) -> GridPoint? {
        let (alphas, betas, fractions) =
            coarse
            ? (StartGrid.coarseAlphas, StartGrid.coarseBetas, StartGrid.coarseFractions)
            : (StartGrid.alphas, StartGrid.betas, StartGrid.fractions)
        // Rising samples (t ≤ Tmax): z = y, design column d = t − Tmax (0 without an expansion phase).
        var rising = Sums()
        tau.removeAll(keepingCapacity: true)
        declineLogs.removeAll(keepingCapacity: true)
        for (t, y) in zip(times, centredLogs) {
            if !curve.hasExpansion && t < tmax { continue }
            if t <= tmax {
                let d = curve.hasExpansion ? t - tmax : 0
                rising.count += 1
                rising.d += d
                rising.dd += d * d
                rising.z += y
                rising.zz += y * y
                rising.dz += d * y
            } else {
                tau.append(t - tmax)
                declineLogs.append(y)
            }
        }
        let m = tau.count
        var best: GridPoint?
        func consider(alpha: Double, beta: Double, fraction: Double, z: Double, zz: Double) {
            var sums = rising
            sums.count += Double(m)
            sums.z += z
            sums.zz += zz
            guard let point = solve(sums, tmax: tmax, alpha: alpha, beta: beta, fraction: fraction) else { return }
            if point.ssr < best?.ssr ?? .infinity { best = point }
            insertOverall(point)
        }
        switch curve.decline {
        case .monoExponential:
            for alpha in alphas {
                var z = 0.0
                var zz = 0.0
                for i in 0..<m {
                    let value = declineLogs[i] + alpha * tau[i]
                    z += value
                    zz += value * value
                }
                consider(alpha: alpha, beta: 0, fraction: 0, z: z, zz: zz)
            }
        case .biExponential, .biExponentialFlat:
            let flat = curve.decline == .biExponentialFlat
            let slowRates = flat ? [0.0] : betas
            Self.fill(&fastDecay, rates: alphas, tau: tau)
            Self.fill(&slowDecay, rates: slowRates, tau: tau)
            for (a, alpha) in alphas.enumerated() {
                for (b, beta) in slowRates.enumerated() where flat || beta < alpha {
                    for fraction in fractions {
                        let complement = 1 - fraction
                        var z = 0.0
                        var zz = 0.0
                        for i in 0..<m {
                            let s = Foundation.log(complement * fastDecay[a * m + i] + fraction * slowDecay[b * m + i])
                            let value = declineLogs[i] - s
                            z += value
                            zz += value * value
                        }
                        consider(alpha: alpha, beta: beta, fraction: fraction, z: z, zz: zz)
                    }
                }
            }
        }
        return best
    }

    /// e^(−rate·τᵢ) for every rate and decline sample, rate-major.
    private static func fill(_ buffer: inout [Double], rates: [Double], tau: [Double]) {
        buffer.removeAll(keepingCapacity: true)
        for rate in rates {
            for t in tau { buffer.append(Foundation.exp(-rate * t)) }
        }
    }

    /// Sums over the samples of the linear model z = L + ρ·d.
    private struct Sums {
        var count = 0.0, d = 0.0, dd = 0.0, z = 0.0, zz = 0.0, dz = 0.0
    }

    /// ln Cmax and ρ by the normal equations (ρ from the data only when the rising samples determine it, at
    /// least 0.01/day) and the resulting sum of squares Σ(z − L − ρd)².
    private func solve(_ s: Sums, tmax: Double, alpha: Double, beta: Double, fraction: Double) -> GridPoint? {
        guard s.count > 0 else { return nil }
        var rho = fallbackRho
        let determinant = s.count * s.dd - s.d * s.d
        if curve.hasExpansion, determinant > 1e-12 * max(1, s.count * s.dd) {
            rho = (s.count * s.dz - s.d * s.z) / determinant
        }
        rho = max(rho, 0.01)
        let level = (s.z - rho * s.d) / s.count
        let ssr = max(
            0,
            s.zz - 2 * level * s.z - 2 * rho * s.dz + s.count * level * level + 2 * level * rho * s.d
                + rho * rho * s.dd)
        guard ssr.isFinite else { return nil }
        return GridPoint(
            ssr: ssr, tmax: tmax, alpha: alpha, beta: beta, fraction: fraction, logCmax: level + meanLog, rho: rho)
    }

    private mutating func insertOverall(_ point: GridPoint) {
        if overall.count == StartGrid.overallBest, let last = overall.last, !(point.ssr < last.ssr) { return }
        var index = overall.count
        while index > 0, point.ssr < overall[index - 1].ssr { index -= 1 }
        overall.insert(point, at: index)
        if overall.count > StartGrid.overallBest { overall.removeLast() }
    }
}
