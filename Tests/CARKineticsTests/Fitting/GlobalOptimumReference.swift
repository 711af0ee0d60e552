import Foundation

/// An independent reference for the expansion-monoexp least-squares optimum on the log scale: a dense scan of
/// Tmax, with (ln Cmax, ρ, α) at each Tmax from the 3 × 3 normal equations (centred, solved by Cramer's rule —
/// no code shared with the library), then a golden-section polish around the best grid point.
enum MonoexpScan {
    struct Point {
        var tmax: Double
        var logCmax: Double
        var rho: Double
        var alpha: Double
        var ssr: Double
    }

    /// The least-squares fit with Tmax fixed; nil when a rate is not positive or the design is singular.
    static func fixed(tmax: Double, times: [Double], logs: [Double]) -> Point? {
        // Columns: 1, d = min(t − T, 0) (rising), e = max(t − T, 0) (declining); ln C = L + ρd − αe.
        let n = Double(times.count)
        let d = times.map { min($0 - tmax, 0) }
        let e = times.map { -max($0 - tmax, 0) }
        let meanY = logs.reduce(0, +) / n
        let meanD = d.reduce(0, +) / n
        let meanE = e.reduce(0, +) / n
        var sdd = 0.0
        var see = 0.0
        var sde = 0.0
        var sdy = 0.0
        var sey = 0.0
        var syy = 0.0
        for i in times.indices {
            let (dd, ee, yy) = (d[i] - meanD, e[i] - meanE, logs[i] - meanY)
            sdd += dd * dd
            see += ee * ee
            sde += dd * ee
            sdy += dd * yy
            sey += ee * yy
            syy += yy * yy
        }
        let det = sdd * see - sde * sde
        guard det > 1e-300 else { return nil }
        let rho = (sdy * see - sey * sde) / det
        let alpha = (sdd * sey - sde * sdy) / det
        guard rho > 0, alpha > 0 else { return nil }
        let level = meanY - rho * meanD - alpha * meanE
        var ssr = 0.0
        for i in times.indices {
            let r = logs[i] - (level + rho * d[i] + alpha * e[i])
            ssr += r * r
        }
        return Point(tmax: tmax, logCmax: level, rho: rho, alpha: alpha, ssr: ssr)
    }

    /// The best point of a `count`-point scan of Tmax over [first, last sample time], polished by golden
    /// sections within one grid step on either side.
    static func best(times: [Double], logs: [Double], count: Int = 100_000) -> Point? {
        guard let first = times.first, let last = times.last, last > first else { return nil }
        var best: Point?
        var bestIndex = 0
        let step = (last - first) / Double(count - 1)
        for k in 0..<count {
            if let p = fixed(tmax: first + Double(k) * step, times: times, logs: logs), p.ssr < best?.ssr ?? .infinity {
                best = p
                bestIndex = k
            }
        }
        guard var result = best else { return nil }
        var a = max(first, first + Double(bestIndex - 1) * step)
        var b = min(last, first + Double(bestIndex + 1) * step)
        let g = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 {
            let x1 = b - g * (b - a)
            let x2 = a + g * (b - a)
            let f1 = fixed(tmax: x1, times: times, logs: logs)?.ssr ?? .infinity
            let f2 = fixed(tmax: x2, times: times, logs: logs)?.ssr ?? .infinity
            if f1 < f2 { b = x2 } else { a = x1 }
        }
        if let p = fixed(tmax: (a + b) / 2, times: times, logs: logs), p.ssr < result.ssr { result = p }
        return result
    }
}
