import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Quantifiable samples at t ≥ 0 per subject, read from a fixture with the test-side CSV reader.
private func samples(
    _ path: String, subject: String, time: String, value: String
) throws -> [(subject: String, times: [Double], values: [Double])] {
    var order: [String] = []
    var bySubject: [String: ([Double], [Double])] = [:]
    for row in try readTable(path) {
        guard let id = row[subject], let t = Double(row[time] ?? ""), let v = Double(row[value] ?? ""), t >= 0 else {
            continue
        }
        if bySubject[id] == nil { order.append(id) }
        bySubject[id, default: ([], [])].0.append(t)
        bySubject[id, default: ([], [])].1.append(v)
    }
    return order.compactMap { id in bySubject[id].map { (id, $0.0, $0.1) } }
}

@Suite("Kinetic models")
struct KineticModelTests {
    @Test("Stein curve gradient matches central differences on every branch")
    func steinGradient() {
        let curves = [
            KineticCurve(hasExpansion: true, decline: .biExponential),
            KineticCurve(hasExpansion: true, decline: .biExponentialFlat),
            KineticCurve(hasExpansion: true, decline: .monoExponential),
            KineticCurve(hasExpansion: false, decline: .biExponential, fixedTmax: 9),
        ]
        for curve in curves {
            let theta = curve.theta(
                logCmax: log(24_000), tmax: 9.3, rho: 0.889, alpha: 0.16, beta: 0.0032, fraction: 0.0079)
            for t in [0.5, 4.0, 9.0, 9.2, 12.0, 28.0, 90.0, 365.0] {
                var analytic = [Double](repeating: 0, count: theta.count)
                let value = theta.withUnsafeBufferPointer { p in
                    analytic.withUnsafeMutableBufferPointer { g in curve.logValue(at: t, theta: p, gradient: g) }
                }
                for j in theta.indices {
                    let h = 1e-6 * max(1, abs(theta[j]))
                    var up = theta
                    var down = theta
                    up[j] += h
                    down[j] -= h
                    let fUp = up.withUnsafeBufferPointer { curve.logValue(at: t, theta: $0, gradient: nil) }
                    let fDown = down.withUnsafeBufferPointer { curve.logValue(at: t, theta: $0, gradient: nil) }
                    let numeric = (fUp - fDown) / (2 * h)
                    #expect(
                        abs(numeric - analytic[j]) <= 1e-6 * max(1, abs(analytic[j])),
                        "\(curve.decline) t=\(t) θ\(j): analytic \(analytic[j]) numeric \(numeric)")
                }
                let natural = curve.parameters(theta: theta)
                #expect(isClose(exp(value), natural.value(at: t), relative: 1e-12))
            }
        }
    }

    @Test("closed-form model AUCs of the Stein typical curve match the domain reference")
    func steinTypicalArea() {
        // Stein et al. 2019 typical values; C0 = Cmax/foldx, ρ = ln(foldx)/Tmax.
        let tmax = 9.3
        let foldx = 3900.0
        let curve = CurveParameters(
            cmax: 24_000, tmax: tmax, rho: log(foldx) / tmax, alpha: 0.16, beta: 0.0032, fraction: 0.0079)
        // Published (rounded) exact integrals: 171 774 and 189 286 day·copies/µg.
        #expect(abs((curve.area(upTo: 28) ?? 0) - 171_774) < 1)
        #expect(abs((curve.area(upTo: 90) ?? 0) - 189_286) < 1)
        // Against a fine Simpson rule on each smooth piece.
        func simpson(_ a: Double, _ b: Double) -> Double {
            let n = 20_000
            let h = (b - a) / Double(n)
            var s = curve.value(at: a) + curve.value(at: b)
            for i in 1..<n { s += (i % 2 == 1 ? 4 : 2) * curve.value(at: a + Double(i) * h) }
            return s * h / 3
        }
        let numeric = simpson(0, tmax) + simpson(tmax, 60)
        #expect(isClose(curve.area(upTo: 60) ?? 0, numeric, relative: 1e-10))
    }

    @Test("noise-free Stein profiles are recovered to 1e-6 on every parameter")
    func noiseFreeRecovery() throws {
        let truth = Dictionary(
            uniqueKeysWithValues: try readTable("data/noise_free_profiles_truth.csv").map { ($0["subject"] ?? "", $0) })
        let profiles = try samples("data/noise_free_profiles.csv", subject: "subject", time: "time", value: "value")
        #expect(profiles.count == 8)
        let fitter = KineticFitter(model: .stein)
        for profile in profiles {
            let fit = try fitter.fit(times: profile.times, values: profile.values)
            #expect(fit.status == .converged, "\(profile.subject): \(fit.status)")
            guard let row = truth[profile.subject] else {
                Issue.record("no truth for \(profile.subject)")
                continue
            }
            for name in ["cmax", "tmax", "rho", "alpha", "beta", "fb"] {
                expectClose(
                    fit.estimate(name)?.value, expectedNumber(row[name]), relative: 1e-6, "\(profile.subject) \(name)")
            }
        }
    }

    @Test(
        "on noisy profiles every subject's ssr reaches the best brute-force optimum",
        arguments: [
            (
                "data/waiha_cd19bcma_flow.csv", "patient_id", "day", "car_t_cells_per_uL",
                "expected/waiha_cd19bcma_flow_fit.csv"
            ),
            ("data/aid_cd7_qpcr.csv", "USUBJID", "AFRLT", "AVAL", "expected/aid_cd7_qpcr_fit.csv"),
        ])
    func reachesOptimum(_ data: String, _ subject: String, _ time: String, _ value: String, _ expected: String) throws {
        let profiles = Dictionary(
            uniqueKeysWithValues: try samples(data, subject: subject, time: time, value: value).map { ($0.subject, $0) }
        )
        let fitter = KineticFitter(model: .stein)
        var fitted = 0
        for row in try readTable(expected) {
            guard let id = row["subject"], let profile = profiles[id], let n = Int(row["n"] ?? "") else {
                Issue.record("subject missing from \(data)")
                continue
            }
            let fit = try fitter.fit(times: profile.times, values: profile.values)
            #expect(fit.sampleCount == n, "\(id) sample count")
            guard let best = expectedNumber(row["ssr"]) else {
                #expect(fit.status == .tooFewSamples(have: n, need: 7), "\(id): \(fit.status)")
                continue
            }
            fitted += 1
            guard let ssr = fit.ssr else {
                Issue.record("\(id): no fit, \(fit.status)")
                continue
            }
            // At most the brute-force optimum, allowing only the last digits of rounding.
            #expect(ssr <= best * (1 + 1e-9), "\(id): ssr \(ssr) > best known \(best)")
        }
        #expect(fitted > 5)
    }

    @Test("monoexp standard errors equal the closed-form OLS values (a linear model in disguise)")
    func monoexpStandardErrors() throws {
        // ln C = ln Cmax − α(t − Tmax) is linear in (ln Cmax, α): the delta-method SE of α from the
        // Levenberg–Marquardt covariance must equal the OLS slope SE.
        let times: [Double] = [10, 14, 21, 28, 35, 42, 60]
        let noise: [Double] = [0, 0.12, -0.08, 0.05, -0.11, 0.07, -0.03]
        let values = zip(times, noise).map { t, e in 5000 * exp(-0.2 * (t - 10) + e) }
        let fit = try KineticFitter(model: .monoexp).fit(times: [4, 7] + times, values: [50, 400] + values)
        #expect(fit.status == .converged)
        #expect(fit.sampleCount == 7)
        // OLS by hand on x = t − 10, y = ln C.
        let x = times.map { $0 - 10 }
        let y = values.map { log($0) }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n
        let my = y.reduce(0, +) / n
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        let ssr = zip(x, y).reduce(0) { $0 + pow($1.1 - intercept - slope * $1.0, 2) }
        let sigma2 = ssr / (n - 2)
        let seSlope = (sigma2 / sxx).squareRoot()
        let seIntercept = (sigma2 * (1 / n + mx * mx / sxx)).squareRoot()
        expectClose(fit.estimate("alpha")?.value, -slope, relative: 1e-9, "alpha")
        expectClose(fit.estimate("alpha")?.standardError, seSlope, relative: 1e-6, "se alpha")
        expectClose(fit.estimate("cmax")?.standardError, exp(intercept) * seIntercept, relative: 1e-6, "se cmax")
        expectClose(fit.ssr, ssr, relative: 1e-9, "ssr")
        // 95% CI on the log scale with t(0.975, 5) = 2.570581835636314.
        let q = 2.570581835636314
        let alpha = -slope
        expectClose(fit.estimate("alpha")?.lower, alpha * exp(-q * seSlope / alpha), relative: 1e-6, "lower alpha")
        // R: AIC(lm) = n(ln(2π ssr/n) + 1) + 2·3
        expectClose(fit.aic, n * (log(2 * Double.pi * ssr / n) + 1) + 6, relative: 1e-9, "aic")
    }

    @Test("profiles too short for a model get a status, not a fit")
    func underDetermined() throws {
        let fit = try KineticFitter(model: .stein).fit(
            times: [1, 4, 7, 10, 14, 21], values: [5, 50, 900, 400, 100, 40])
        #expect(fit.status == .tooFewSamples(have: 6, need: 7))
        #expect(fit.estimates.isEmpty)
        #expect(fit.ssr == nil)
        let peakFirst = try KineticFitter(model: .expansionMonoexp).fit(
            times: [7, 10, 14, 21, 28, 60], values: [900, 400, 100, 40, 20, 5])
        guard case .notIdentifiable = peakFirst.status else {
            Issue.record("expected notIdentifiable, got \(peakFirst.status)")
            return
        }
        let blqOnly = try KineticFitter(model: .monoexp).fit(times: [1, 4], values: [0, 0])
        #expect(blqOnly.status == .tooFewSamples(have: 0, need: 3))
    }

    @Test("expansion: log-linear growth rate and doubling time over the rising samples")
    func expansionRate() throws {
        // ln C = 1 + 0.5 t exactly on the rising samples; decline after the peak is ignored.
        let times: [Double] = [0, 2, 4, 6, 8, 14, 28]
        let values = times.map { $0 <= 8 ? exp(1 + 0.5 * $0) : exp(5 - 0.1 * ($0 - 8)) }
        let fit = try KineticFitter(model: .expansion).fit(times: times, values: values)
        #expect(fit.status == .converged)
        #expect(fit.sampleCount == 5)
        expectClose(fit.estimate("rho")?.value, 0.5, relative: 1e-12, "rho")
        #expect((fit.ssr ?? 1) < 1e-20)
    }

    @Test("auto prefers expansion-monoexp when a persistence phase adds nothing, and says why")
    func autoChoice() throws {
        // Exact expansion + mono-exponential decline: the extra Stein parameters cannot lower the ssr enough to
        // pay their AIC penalty (noise makes the ssr positive).
        let times: [Double] = [1, 4, 7, 10, 14, 21, 28, 42, 60, 90]
        let noise: [Double] = [0.05, -0.04, 0.03, 0, -0.06, 0.04, -0.02, 0.05, -0.03, 0.02]
        let values = zip(times, noise).map { t, e in
            (t <= 10 ? 2000 * exp(0.6 * (t - 10)) : 2000 * exp(-0.15 * (t - 10))) * exp(e)
        }
        let fit = try KineticFitter(model: .auto).fit(times: times, values: values)
        #expect(fit.model == "expansion-monoexp", "\(fit.note ?? "")")
        #expect(fit.note?.contains("AIC") == true)
        expectClose(fit.estimate("alpha")?.value, 0.15, relative: 0.05, "alpha")
    }

    @Test("the fit is never worse than any fit with Tmax pinned to a sample time (the kinks of the objective)")
    func kinksAreCovered() throws {
        // A simulated subject whose optimum sits on the kink at day 14 with β at its boundary: an unpinned
        // optimiser stalls next to it at a sum of squares ~6e-6 relative above the pinned optimum.
        let times: [Double] = [7, 10, 14, 21, 28, 42, 60, 90, 180]
        let values = [
            159.68125345354935, 728.3313521321899, 6413.74161852528, 1350.748665262255, 444.54481052887155,
            169.02324962885905, 63.39869661959943, 112.82350397469136, 112.75153538785527,
        ]
        let logs = values.map { log($0) }
        let fit = try KineticFitter(model: .stein).fit(times: times, values: values)
        #expect(fit.status.hasEstimates, "\(fit.status)")
        let ssr = fit.ssr ?? .infinity
        for sample in [10.0, 14, 21] {
            for decline in [KineticCurve.Decline.biExponential, .biExponentialFlat, .monoExponential] {
                let curve = KineticCurve(hasExpansion: true, decline: decline, fixedTmax: sample)
                let pinned = KineticFitter(model: .stein).optimize(
                    curve, times: times, logs: logs,
                    starts: StartGrid.starts(curve: curve, times: times, logs: logs).map(\.theta))
                #expect(
                    ssr <= (pinned?.ssr ?? .infinity) * (1 + 1e-9),
                    "Tmax \(sample) \(decline): \(pinned?.ssr ?? .nan) < \(ssr)")
            }
        }
        // Noise-free with the peak on a sample: recovered exactly, Tmax included.
        let truth = CurveParameters(cmax: 20_000, tmax: 14, rho: 0.7, alpha: 0.25, beta: 0.008, fraction: 0.03)
        let exact = try KineticFitter(model: .stein).fit(times: times, values: times.map { truth.value(at: $0) })
        for (name, value) in [
            ("cmax", 20_000.0), ("tmax", 14), ("rho", 0.7), ("alpha", 0.25), ("beta", 0.008), ("fb", 0.03),
        ] {
            expectClose(exact.estimate(name)?.value, value, relative: 1e-6, name)
        }
    }

    @Test("auto falls back to fewer parameters when the profile cannot support more")
    func autoFallback() throws {
        // Four samples: too few for stein (7) and expansion-monoexp (5); the decline from the peak supports
        // monoexp: ln C = ln 900 − 0.2(t − 7) exactly.
        let times: [Double] = [4, 7, 14, 21]
        let values = [100, 900, 900 * exp(-0.2 * 7), 900 * exp(-0.2 * 14)]
        let fit = try KineticFitter(model: .auto).fit(times: times, values: values)
        #expect(fit.model == "monoexp", "\(fit.model): \(fit.note ?? "")")
        #expect(fit.note?.hasPrefix("auto: stein and expansion-monoexp not fitted") == true)
        expectClose(fit.estimate("alpha")?.value, 0.2, relative: 1e-9, "alpha")
        // Rising samples only (peak last): only the growth rate can be estimated.
        let rising = try KineticFitter(model: .auto).fit(times: [1, 4, 7], values: [10, 10 * exp(1.5), 10 * exp(3)])
        #expect(rising.model == "expansion", "\(rising.model): \(rising.note ?? "")")
        expectClose(rising.estimate("rho")?.value, 0.5, relative: 1e-9, "rho")
    }

    @Test(
        "hard noisy profiles reach the optimum of a 300-random-start search",
        arguments: [
            // A sharp fall right after the peak (the brute optimum has α ≈ 21/day and fb ≈ 0.44).
            (
                [0.5, 2, 7, 9, 11, 14, 17, 21, 28],
                [
                    21.742324273068668, 34.049921936347, 1611.3858516248013, 539.9208730258653, 507.82967347176657,
                    237.00328907055314, 171.0754947679516, 55.044444231271115, 28.412831203880796,
                ],
                0.3906208266094884
            ),
            // The highest sample is the last one (day 180), far from the best Tmax (≈ 11 days).
            (
                [2, 7, 9, 11, 14, 17, 21, 28, 35, 60, 120, 180],
                [
                    90.67969810965653, 671.3923982972987, 1574.972307536947, 2964.3157332710325, 679.0237175074712,
                    641.1440271628692, 1318.6894517243184, 621.3210994677123, 254.61325761965497, 765.2155194310815,
                    612.4699355181748, 3778.122522644857,
                ],
                4.184086901559318
            ),
        ])
    func hardNoisyProfiles(_ times: [Double], _ values: [Double], _ bruteForce: Double) throws {
        // Simulated Stein profiles with log-scale noise SD 1.0; `bruteForce` is the best ssr of 300 random starts
        // of scipy's least_squares (MINPACK lm) on the same estimation scale.
        let fit = try KineticFitter(model: .stein).fit(times: times, values: values)
        #expect((fit.ssr ?? .infinity) <= bruteForce * (1 + 1e-7), "ssr \(fit.ssr ?? .nan) vs \(bruteForce)")
    }
}
