import CARKinetics
import Foundation

/// Sample counts of the long single-subject profile (default 10k, 40k, 100k; `BENCH_LONG_SAMPLES=10000,20000`
/// overrides them).
let longSubjectSamples = (ProcessInfo.processInfo.environment["BENCH_LONG_SAMPLES"] ?? "10000,40000,100000")
    .split(separator: ",").compactMap { Int($0) }

/// One subject sampled `n` times over 0–365 days: Stein-shaped (expansion to day 10, biphasic decline) with
/// ±10% deterministic noise, so λz has n − (peak index) points after Tmax to choose from.
func longSubject(_ n: Int) -> (times: [Double], values: [Double]) {
    var state: UInt64 = 12345
    var times: [Double] = []
    var values: [Double] = []
    for i in 0..<n {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let noise = 1 + 0.2 * (Double(state >> 11) / Double(1 << 53) - 0.5)
        let t = 365 * Double(i + 1) / Double(n)
        let level =
            t <= 10 ? 1e5 * exp(0.8 * (t - 10)) : 1e5 * (0.95 * exp(-0.3 * (t - 10)) + 0.05 * exp(-0.01 * (t - 10)))
        times.append(t)
        values.append(level * noise)
    }
    return (times, values)
}

/// λz selection as it was before issue 11: every candidate (the last k points, k = 3 … n) regressed from
/// scratch with centred two-pass sums — O(n²) in all. Kept here only as the baseline.
func quadraticLambdaZPoints(times: [Double], levels: [Double]) -> Int {
    let n = times.count
    let logs = levels.map { log($0) }
    var best = -Double.infinity
    var chosen = 0
    var fits: [(k: Int, adjusted: Double)] = []
    for k in 3...max(3, n) where k <= n {
        let x = times[(n - k)...]
        let y = logs[(n - k)...]
        let xm = x.reduce(0, +) / Double(k)
        let ym = y.reduce(0, +) / Double(k)
        var sxx = 0.0
        var sxy = 0.0
        var syy = 0.0
        for (a, b) in zip(x, y) {
            sxx += (a - xm) * (a - xm)
            sxy += (a - xm) * (b - ym)
            syy += (b - ym) * (b - ym)
        }
        guard sxx > 0, syy > 0, sxy < 0 else { continue }
        let adjusted = 1 - (1 - min(1, sxy * sxy / (sxx * syy))) * Double(k - 1) / Double(k - 2)
        best = max(best, adjusted)
        fits.append((k, adjusted))
    }
    for fit in fits where fit.adjusted >= best - 1e-4 { chosen = fit.k }
    return chosen
}

let longSubjectSection = BenchmarkSection(name: "long", title: "one long subject: NCA (λz selection) and a Stein fit") {
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    for n in longSubjectSamples {
        let (times, values) = longSubject(n)
        let profile = Profile(
            subject: "L",
            observations: zip(times, values).enumerated().map { i, p in
                Observation(time: p.0, measurement: .value(p.1), line: i + 2)
            })
        var result: NCAResult?
        let nca = clock.measure { result = NCA.analyze(profile, options: NCAOptions()) }
        let points = (try? result?.lambdaZ.get())?.points ?? 0
        var line = String(format: "  n = %6d  NCA %.3f s (λz over %d points)", n, seconds(nca), points)
        if n <= 40_000 {
            // The O(n²) baseline only where it finishes in reasonable time.
            let peak = values.indices.max { values[$0] < values[$1] } ?? 0
            var reference = 0
            let quadratic = clock.measure {
                reference = quadraticLambdaZPoints(
                    times: Array(times[(peak + 1)...]), levels: Array(values[(peak + 1)...]))
            }
            line += String(
                format: "; O(n²) selection %.3f s (%d points%@)", seconds(quadratic), reference,
                reference == points ? ", same" : ", DIFFERENT")
        }
        var fit: KineticFit?
        let fitTime = clock.measure { fit = try? KineticFitter(model: .stein).fit(times: times, values: values) }
        line += String(
            format: "; Stein fit %.2f s (%@, %d evaluations)", seconds(fitTime),
            fit.map { "\($0.status)" } ?? "-", fit?.evaluations ?? 0)
        print(line)
    }
}
