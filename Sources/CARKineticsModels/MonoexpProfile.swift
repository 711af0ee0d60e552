import CARKineticsNumerics
import Foundation

/// The exact global least-squares optimum of the expansion-monoexp curve on the log scale, by its structure
/// rather than by starts.
///
/// With Tmax = T fixed the model is linear in (L = ln Cmax, ρ, α):
///
///     ln C(t) = L + ρ·min(t − T, 0) − α·max(t − T, 0)
///
/// so the sum of squares profiled over T, P(T) = min over (L, ρ, α) of Σ(ln yᵢ − ln C(tᵢ))², is a
/// closed-form least-squares function of T. It is smooth between consecutive sample times and has kinks
/// at the samples, where a sample changes from the declining to the rising branch. Within an open interval
/// (t_j, t_{j+1}) the split of the samples is fixed, and writing the two branches as separate lines
/// a + ρt (rising samples) and b − αt (declining samples), the model is these two lines constrained to meet at
/// t = T: (b − a) = (ρ + α)·T. A stationary point of P inside the interval has zero Lagrange multiplier for
/// that constraint — its derivative in T is λ·(ρ + α), and ρ + α > 0 — so it is the unconstrained two-line fit
/// whose intersection falls inside the interval. Hence the global minimum of P over [t_first, t_last] is the
/// least of finitely many closed-form candidates:
/// - T at each sample time with samples on both sides (the kinks);
/// - per interval, the two separate least-squares lines when their intersection lies inside it.
///
/// An interval with one sample time on one side leaves that side's line free to pivot about its sample, so
/// P is flat there (the optimum is not unique in T and ρ or α); its candidate is the middle of the range of T
/// where both rates stay positive.
///
/// Candidates are valid only with ρ > 0 and α > 0 (the model's parameter space). The minimum found is the
/// global one whenever it is attained there; a profile whose infimum is reached only as ρ → 0 or α → 0 (no
/// rise or no decline) has no optimum in the model, and the candidates then give the best attained point.
struct MonoexpProfile: Sendable {
    /// A candidate optimum on the natural scale of the rates, with its sum of squares on the log scale.
    struct Optimum: Sendable, Equatable {
        var logCmax: Double
        var tmax: Double
        /// ρ per day; 0 for contraction-only curves.
        var rho: Double
        var alpha: Double
        var ssr: Double
        /// True when Tmax is a sample time: a kink of the objective, where a fit pins Tmax.
        var atSample: Bool
    }

    /// The global optimum of expansion-monoexp over Tmax in [first, last sample time].
    ///
    /// Candidates are ranked by closed-form sums (centred, a few flops per sample and candidate, no allocation:
    /// a subject has about 2n of them); the winner is then solved again by LAPACK least squares
    /// (`LinearLeastSquares`: pivoted QR with refinement) at its Tmax, which gives the reported numbers.
    /// - Parameters:
    ///   - times: sample times, ascending (ties allowed).
    ///   - logs: ln C of each sample, finite.
    /// - Returns: nil when no candidate has positive rates (fewer than three sample times, or no rise and fall).
    static func expansionMonoexp(times: [Double], logs: [Double]) -> Optimum? {
        var distinct: [Double] = []
        for t in times where distinct.last != t { distinct.append(t) }
        guard distinct.count >= 3, times.count == logs.count else { return nil }
        var best: Optimum?
        func offer(_ candidate: Optimum?) {
            guard let candidate, candidate.ssr.isFinite, candidate.ssr < best?.ssr ?? .infinity else { return }
            best = candidate
        }
        for tmax in distinct.dropFirst().dropLast() {
            offer(fixedTmaxSums(tmax, times: times, logs: logs))
        }
        for j in 0..<(distinct.count - 1) {
            offer(interval(lower: distinct[j], upper: distinct[j + 1], times: times, logs: logs))
        }
        guard let winner = best else { return nil }
        // The winner by LAPACK at its Tmax (for an interval optimum the constraint is inactive there, so the
        // fixed-Tmax solution is the same point); the closed form stands if the solve fails.
        guard var solved = fixedTmax(winner.tmax, times: times, logs: logs) else { return winner }
        solved.atSample = winner.atSample
        return solved
    }

    /// The optimum of monoexp (contraction only) from a fixed Tmax: ln C = L − α(t − Tmax) over samples with
    /// t ≥ Tmax, one linear least-squares solve; nil when α would not be positive.
    static func monoexp(tmax: Double, times: [Double], logs: [Double]) -> Optimum? {
        let used = times.indices.filter { times[$0] >= tmax }
        let x = used.map { times[$0] - tmax }
        guard x.contains(where: { $0 != x[0] }) else { return nil }
        let elements = [Double](repeating: 1, count: x.count) + x
        guard let design = try? Matrix(rows: x.count, columns: 2, elements: elements),
            let fit = try? LinearLeastSquares.solve(design: design, response: used.map { logs[$0] }), fit.rank == 2,
            fit.coefficients[1] < 0
        else { return nil }
        return Optimum(
            logCmax: fit.coefficients[0], tmax: tmax, rho: 0, alpha: -fit.coefficients[1], ssr: fit.ssr,
            atSample: true)
    }

    /// P(T) at a fixed T by LAPACK: the three-column least-squares problem (pivoted QR with refinement).
    static func fixedTmax(_ tmax: Double, times: [Double], logs: [Double]) -> Optimum? {
        let m = times.count
        var elements = [Double](repeating: 1, count: 3 * m)
        for i in 0..<m {
            elements[m + i] = min(times[i] - tmax, 0)
            elements[2 * m + i] = -max(times[i] - tmax, 0)
        }
        guard let design = try? Matrix(rows: m, columns: 3, elements: elements),
            let fit = try? LinearLeastSquares.solve(design: design, response: logs), fit.rank == 3
        else { return nil }
        let (level, rho, alpha) = (fit.coefficients[0], fit.coefficients[1], fit.coefficients[2])
        guard rho > 0, alpha > 0, level.isFinite else { return nil }
        return Optimum(logCmax: level, tmax: tmax, rho: rho, alpha: alpha, ssr: fit.ssr, atSample: true)
    }

    /// P(T) at a fixed T from the centred 3 × 3 normal equations (Cramer's rule): the cheap form used to rank
    /// the candidates at the sample times.
    static func fixedTmaxSums(_ tmax: Double, times: [Double], logs: [Double]) -> Optimum? {
        let n = Double(times.count)
        var (meanD, meanE, meanY) = (0.0, 0.0, 0.0)
        for i in times.indices {
            meanD += min(times[i] - tmax, 0)
            meanE += -max(times[i] - tmax, 0)
            meanY += logs[i]
        }
        (meanD, meanE, meanY) = (meanD / n, meanE / n, meanY / n)
        var (sdd, see, sde, sdy, sey, syy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        for i in times.indices {
            let d = min(times[i] - tmax, 0) - meanD
            let e = -max(times[i] - tmax, 0) - meanE
            let y = logs[i] - meanY
            sdd += d * d
            see += e * e
            sde += d * e
            sdy += d * y
            sey += e * y
            syy += y * y
        }
        let determinant = sdd * see - sde * sde
        guard determinant > 1e-14 * sdd * see else { return nil }
        let rho = (sdy * see - sey * sde) / determinant
        let alpha = (sdd * sey - sde * sdy) / determinant
        guard rho > 0, alpha > 0 else { return nil }
        let ssr = max(0, syy - rho * sdy - alpha * sey)
        return Optimum(
            logCmax: meanY - rho * meanD - alpha * meanE, tmax: tmax, rho: rho, alpha: alpha, ssr: ssr,
            atSample: true)
    }

    /// The minimum of P inside the open interval (lower, upper) between consecutive sample times, if it lies
    /// inside: the samples at or before `lower` rise, those at or after `upper` decline.
    static func interval(lower a: Double, upper b: Double, times: [Double], logs: [Double]) -> Optimum? {
        // The samples are sorted: the rising ones are a prefix, the declining ones the rest.
        guard let split = times.firstIndex(where: { $0 > a }), split > 0, times[split] >= b else { return nil }
        let up = line(times, logs, 0..<split, origin: a)
        let down = line(times, logs, split..<times.count, origin: b)
        let risingSingle = times[0] == a
        let decliningSingle = times[times.count - 1] == b
        guard !(risingSingle && decliningSingle) else { return nil }
        let ssr = up.ssr + down.ssr
        let width = b - a
        // Rising line: p + ρ(T − a); declining line: q − α(T − b), with α = −slope.
        if !risingSingle && !decliningSingle {
            let (p, rho, q, alpha) = (up.intercept, up.slope, down.intercept, -down.slope)
            guard rho > 0, alpha > 0 else { return nil }
            // p + ρ(T − a) = q + α(b − T)  ⇒  T − a = (q − p + α·(b − a)) / (ρ + α).
            let offset = (q - p + alpha * width) / (rho + alpha)
            guard offset > 0, offset < width, a + offset > a, a + offset < b else { return nil }
            return Optimum(
                logCmax: p + rho * offset, tmax: a + offset, rho: rho, alpha: alpha, ssr: ssr, atSample: false)
        }
        if risingSingle {
            // The rising line pivots about (a, mean of the logs at a): ρ > 0 while the declining line at T is
            // above that level, i.e. for T − a < (q − ȳ + α(b − a))/α.
            let (level, q, alpha) = (up.intercept, down.intercept, -down.slope)
            guard alpha > 0 else { return nil }
            let limit = min(width, (q - level + alpha * width) / alpha)
            guard limit > 0 else { return nil }
            let offset = limit / 2
            let peak = q + alpha * (width - offset)
            guard a + offset > a, a + offset < b else { return nil }
            return Optimum(
                logCmax: peak, tmax: a + offset, rho: (peak - level) / offset, alpha: alpha, ssr: ssr, atSample: false)
        }
        // The declining line pivots about (b, mean of the logs at b): α > 0 while the rising line at T is above
        // that level, i.e. for T − a > (ȳ − p)/ρ.
        let (p, rho, level) = (up.intercept, up.slope, down.intercept)
        guard rho > 0 else { return nil }
        let start = max(0, (level - p) / rho)
        guard start < width else { return nil }
        let offset = (start + width) / 2
        let peak = p + rho * offset
        guard a + offset > a, a + offset < b else { return nil }
        return Optimum(
            logCmax: peak, tmax: a + offset, rho: rho, alpha: (peak - level) / (width - offset), ssr: ssr,
            atSample: false)
    }

    /// The least-squares line y = intercept + slope·(t − origin) over `range` (centred sums); with a single
    /// distinct time, the horizontal line at the mean (slope 0: the pivot of a free line, whose level at the
    /// origin is the mean when the origin is that time).
    static func line(
        _ times: [Double], _ logs: [Double], _ range: Range<Int>, origin: Double
    ) -> (intercept: Double, slope: Double, ssr: Double) {
        let n = Double(range.count)
        var (meanX, meanY) = (0.0, 0.0)
        for i in range {
            meanX += times[i] - origin
            meanY += logs[i]
        }
        (meanX, meanY) = (meanX / n, meanY / n)
        var (sxx, sxy, syy) = (0.0, 0.0, 0.0)
        for i in range {
            let x = times[i] - origin - meanX
            let y = logs[i] - meanY
            sxx += x * x
            sxy += x * y
            syy += y * y
        }
        guard sxx > 0 else { return (meanY, 0, syy) }
        let slope = sxy / sxx
        return (meanY - slope * meanX, slope, max(0, syy - slope * sxy))
    }
}

extension StartGrid {
    /// Starts for the bi-exponential (stein) search from the exact optimum of its mono-exponential sub-model:
    /// near fb → 0 (the sub-model's decline as the contraction phase, a small persistence phase under it) and near
    /// fb → 1 (the sub-model's decline as the persistence phase under a short fast contraction) — the two
    /// boundaries where stein's curve is the expansion-monoexp curve.
    static func subModelStarts(curve: KineticCurve, from optimum: MonoexpProfile.Optimum) -> [[Double]] {
        let a = optimum.alpha
        let shapes: [(alpha: Double, beta: Double, fraction: Double)] = [
            (a, a / 10, 0.01), (a, a / 100, 0.05), (4 * a, a, 0.9),
        ]
        return shapes.map { shape in
            curve.theta(
                logCmax: optimum.logCmax, tmax: optimum.tmax, rho: optimum.rho, alpha: shape.alpha, beta: shape.beta,
                fraction: shape.fraction)
        }
    }
}
