import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite("Start grid and curve evaluation")
struct StartGridTests {
    /// A simulated profile whose optimum sits on the kink at day 14 (also used by the kink test).
    let times: [Double] = [7, 10, 14, 21, 28, 42, 60, 90, 180]
    let logs = [
        159.68125345354935, 728.3313521321899, 6413.74161852528, 1350.748665262255, 444.54481052887155,
        169.02324962885905, 63.39869661959943, 112.82350397469136, 112.75153538785527,
    ].map { log($0) }

    @Test("a scored grid point's ln Cmax and ρ are the least-squares solution and its ssr the direct sum")
    func gridPointsAreLeastSquaresSolutions() throws {
        let curve = KineticCurve(hasExpansion: true, decline: .biExponential)
        var scorer = GridScorer(curve: curve, times: times, logs: logs, fallbackRho: 0.3)
        var checked = 0
        for tmax in StartGrid.tmaxCandidates(times: times, logs: logs) {
            let scored = scorer.best(at: tmax, coarse: false)
            let point = try #require(scored)
            // The decline offset s_i for the point's (α, β, fb), then z = ln C − s against [1, t − Tmax].
            var z: [Double] = []
            var d: [Double] = []
            for (t, y) in zip(times, logs) {
                let tau = t - tmax
                let s =
                    tau > 0
                    ? log((1 - point.fraction) * exp(-point.alpha * tau) + point.fraction * exp(-point.beta * tau)) : 0
                z.append(y - s)
                d.append(tau > 0 ? 0 : tau)
            }
            let direct = zip(z, d).reduce(0.0) { sum, zd in
                let r = zd.0 - point.logCmax - point.rho * zd.1
                return sum + r * r
            }
            #expect(
                isClose(point.ssr, direct, relative: 1e-9), "Tmax \(tmax): closed form \(point.ssr), direct \(direct)")
            // When ρ is not clamped, (ln Cmax, ρ) must be the unconstrained least-squares solution.
            if point.rho > 0.01, d.filter({ $0 < 0 }).count >= 1 {
                let design = Matrix(rows: z.count, columns: 2) { row, column in column == 0 ? 1 : d[row] }
                let fit = try LinearLeastSquares.solve(design: design, response: z)
                #expect(isClose(point.logCmax, fit.coefficients[0], relative: 1e-10))
                #expect(isClose(point.rho, fit.coefficients[1], relative: 1e-9))
                checked += 1
            }
        }
        #expect(checked >= 3)
    }

    @Test("the overall best grid points are the lowest scored, best first")
    func overallBestIsSorted() throws {
        let curve = KineticCurve(hasExpansion: true, decline: .biExponential)
        var scorer = GridScorer(curve: curve, times: times, logs: logs, fallbackRho: 0.3)
        var bests: [GridPoint] = []
        for tmax in StartGrid.tmaxCandidates(times: times, logs: logs) {
            let scored = scorer.best(at: tmax, coarse: false)
            bests.append(try #require(scored))
        }
        let overall = scorer.overall
        #expect(overall.count == StartGrid.overallBest)
        #expect(zip(overall, overall.dropFirst()).allSatisfy { $0.ssr <= $1.ssr })
        // The best of all candidates' bests is the first overall point.
        #expect(overall.first?.ssr == bests.map(\.ssr).min())
    }

    @Test("ln C stays exact when the contraction term, or both terms, underflow in linear scale")
    func logSumExpAvoidsUnderflow() {
        let curve = KineticCurve(hasExpansion: true, decline: .biExponential)
        let (cmax, tmax, fb) = (20_000.0, 10.0, 0.02)
        for (alpha, beta) in [(60.0, 0.01), (60.0, 2.0)] {
            let theta = curve.theta(logCmax: log(cmax), tmax: tmax, rho: 0.5, alpha: alpha, beta: beta, fraction: fb)
            let t = tmax + 400
            var gradient = [Double](repeating: .nan, count: theta.count)
            let value = theta.withUnsafeBufferPointer { p in
                gradient.withUnsafeMutableBufferPointer { g in curve.logValue(at: t, theta: p, gradient: g) }
            }
            // e^(−ατ) = e^(−24000) is 0 in doubles; with β = 2, e^(−βτ) = e^(−800) is too, yet ln C is finite.
            let expected = log(cmax) + log(fb) - beta * 400
            #expect(isClose(value, expected, relative: 1e-13), "α \(alpha) β \(beta): \(value) vs \(expected)")
            // All weight on the slow phase: ∂/∂ logit fb = 1 − fb, ∂/∂ ln β = −βτ, ∂/∂ ln(α − β) = 0.
            #expect(isClose(gradient[5], 1 - fb, relative: 1e-12))
            #expect(isClose(gradient[4], -beta * 400, relative: 1e-12))
            #expect(gradient[3] == 0)
        }
    }
}
