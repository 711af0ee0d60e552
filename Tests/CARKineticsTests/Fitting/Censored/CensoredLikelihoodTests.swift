import Foundation
import Testing

@testable import CARKineticsModels
@testable import CARKineticsNumerics

/// ln Φ(z) by brute force: Simpson's rule over the normal density up to z (20,000 intervals); no erfc, no
/// asymptotic series.
private func bruteLogCDF(_ z: Double) -> Double {
    // The integrand decays like e^(|z|(u − z)) below z: a window of 40/|z| (at most 40) holds all of it.
    let a = z < -1 ? z - 40 / abs(z) : -40
    let count = 20_000
    let h = (z - a) / Double(count)
    // Scale by φ(z) so that far-tail integrals do not underflow: ∫ φ(u)/φ(z) du.
    func ratio(_ u: Double) -> Double { Foundation.exp(-0.5 * (u * u - z * z)) }
    var sum = ratio(a) + ratio(z)
    for i in 1..<count { sum += (i % 2 == 1 ? 4 : 2) * ratio(a + Double(i) * h) }
    return Foundation.log(sum * h / 3) - 0.5 * z * z - 0.5 * Foundation.log(2 * Double.pi)
}

/// A Stein profile with BLQ samples in the persistence phase and before the rise.
private func steinSamples() -> (curve: KineticCurve, theta: [Double], samples: CensoredSamples) {
    let curve = KineticCurve(hasExpansion: true, decline: .biExponential)
    let theta = curve.theta(
        logCmax: Foundation.log(20_000), tmax: 9, rho: 0.6, alpha: 0.25, beta: 0.01, fraction: 0.05)
    let times = [3.0, 5, 7, 10, 14, 21, 28, 42, 56, 90]
    let noise = [-0.1, 0.15, 0.2, -0.3, 0.1, 0.25, -0.15, 0.05, -0.2, 0.3]
    let p = curve.parameters(theta: theta)
    let logs = zip(times, noise).map { Foundation.log(p.value(at: $0)) + $1 }
    // Limits: near the curve (|z| ≈ 1–2), and one far below it (z ≈ −34 at day 360).
    let censoredTimes = [1.0, 120, 180, 360]
    let limits = [100.0, 400, 300, 1e-3].map { Foundation.log($0) }
    return (
        curve, theta + [Foundation.log(0.3)],
        CensoredSamples(times: times, logs: logs, censoredTimes: censoredTimes, logLimits: limits)
    )
}

@Suite("M3 censored likelihood of per-subject fits")
struct CensoredLikelihoodTests {
    @Test("ln Φ of the moved NormalTail agrees with direct integration of the density, z from -60 to 8")
    func logCDFAgainstIntegration() {
        for z in [-60.0, -35, -30.5, -29.5, -12, -3, -0.5, 0, 1.5, 8] {
            let expected = bruteLogCDF(z)
            let value = NormalTail.logCDF(z)
            #expect(abs(value - expected) <= 1e-10 * max(1, abs(expected)), "z \(z): \(value) vs \(expected)")
        }
    }

    @Test("−2 ln L equals the sum written out term by term (natural-scale curve, integrated Φ)")
    func objectiveAgainstBruteForce() {
        let (curve, x, samples) = steinSamples()
        let objective = CensoredObjective(curve: curve, samples: samples)
        let sigma = Foundation.exp(x[x.count - 1])
        let p = curve.parameters(theta: Array(x.dropLast()))
        var expected = 0.0
        for i in samples.times.indices {
            let logF = Foundation.log(p.value(at: samples.times[i]))
            if samples.censored[i] {
                expected += -2 * bruteLogCDF((samples.logs[i] - logF) / sigma)
            } else {
                let r = samples.logs[i] - logF
                expected += Foundation.log(2 * Double.pi * sigma * sigma) + r * r / (sigma * sigma)
            }
        }
        let value = objective.value(x)
        #expect(abs(value - expected) <= 1e-9 * abs(expected), "\(value) vs \(expected)")
        // The sample 1e-3 limit at day 360 sits ~20 σ below the curve: a large finite penalty, not ∞.
        #expect(value.isFinite && value > 100)
    }

    @Test("the analytic gradient matches central differences of −2 ln L on every curve family")
    func gradientAgainstDifferences() {
        let (_, _, samples) = steinSamples()
        let families = [
            KineticCurve(hasExpansion: true, decline: .biExponential),
            KineticCurve(hasExpansion: true, decline: .biExponentialFlat),
            KineticCurve(hasExpansion: true, decline: .monoExponential),
            KineticCurve(hasExpansion: true, decline: .biExponential, fixedTmax: 9.5),
            KineticCurve(hasExpansion: false, decline: .biExponential, fixedTmax: 10),
        ]
        for curve in families {
            let theta = curve.theta(
                logCmax: Foundation.log(15_000), tmax: 9.3, rho: 0.8, alpha: 0.3, beta: 0.012, fraction: 0.04)
            let window = curve.hasExpansion ? samples : samples.from(curve.fixedTmax)
            let objective = CensoredObjective(curve: curve, samples: window)
            for logSigma in [Foundation.log(0.08), Foundation.log(0.4)] {
                let x = theta + [logSigma]
                let analytic = objective.valueAndGradient(x).gradient
                for j in x.indices {
                    let h = 1e-6 * max(1, abs(x[j]))
                    var plus = x
                    var minus = x
                    plus[j] += h
                    minus[j] -= h
                    let numeric = (objective.value(plus) - objective.value(minus)) / (2 * h)
                    #expect(
                        abs(analytic[j] - numeric) <= 1e-6 * max(1, abs(numeric)),
                        "\(curve.decline) σ \(exp(logSigma)) parameter \(j): \(analytic[j]) vs \(numeric)")
                }
            }
        }
    }

    @Test("without BLQ samples the M3 optimum is the least-squares fit with σ² = ssr/n")
    func noCensoredIdentity() throws {
        // A well-sampled rise and decline (one basin near the truth).
        let truth = CurveParameters(cmax: 20_000, tmax: 9, rho: 0.9, alpha: 0.25, beta: nil, fraction: nil)
        let times = [1.0, 3, 5, 7, 10, 14, 21, 28, 42, 56]
        let logs = times.enumerated().map { Foundation.log(truth.value(at: $1)) + 0.25 * sin(Double($0) * 2.1) }
        for model in [KineticModel.expansionMonoexp, .monoexp] {
            let fitter = KineticFitter(model: model)
            var candidates: [LocalOptimum] = []
            let leastSquares = fitter.fitCurveModel(model, times: times, logs: logs, candidates: &candidates)
            let best = try #require(candidates.first)
            let samples = CensoredSamples(times: times, logs: logs, censoredTimes: [], logLimits: [])
            let window = best.curve.hasExpansion ? samples : samples.from(best.curve.fixedTmax)
            let objective = CensoredObjective(curve: best.curve, samples: window)
            // Start away from the least-squares point (and from σ = 1) so the optimiser has to find it.
            let start = best.theta.map { $0 + 0.02 } + [0]
            let (optimum, _) = CensoredOptimizer.polish(
                CensoredOptimizer.minimize(objective, start: start), objective: objective)
            #expect(optimum.converged, "\(model): \(optimum.termination)")
            for (a, b) in zip(optimum.theta, best.theta) {
                #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(model): \(optimum.theta) vs \(best.theta)")
            }
            let n = Double(window.times.count)
            let ssr = try #require(leastSquares.ssr)
            let expected = n * Foundation.log(2 * Double.pi * ssr / n) + n
            #expect(abs(optimum.value - expected) <= 1e-10 * abs(expected), "\(optimum.value) vs \(expected)")
            #expect(abs(optimum.sigma - (ssr / n).squareRoot()) <= 1e-7 * optimum.sigma)
            #expect(abs((leastSquares.minus2LogLikelihood ?? .nan) - expected) <= 1e-12 * abs(expected))
        }
    }

    @Test("the public censored fit of a profile without BLQ samples is the least-squares fit, labelled m3")
    func publicFitWithoutCensoring() throws {
        let (curve, x, _) = steinSamples()
        let p = curve.parameters(theta: Array(x.dropLast()))
        let times = [3.0, 6, 8, 10, 14, 21, 28, 42, 56, 90]
        let values = times.enumerated().map { p.value(at: $1) * Foundation.exp(0.2 * sin(Double($0) * 2.3)) }
        let fitter = KineticFitter(model: .stein)
        let leastSquares = try fitter.fit(times: times, values: values)
        let m3 = try fitter.fit(times: times, values: values, censoredTimes: [-1], limits: [100])
        #expect(m3.blqMethod == .m3 && leastSquares.blqMethod == .drop)
        #expect(m3.censoredCount == 0, "a pre-infusion BLQ sample is never censored")
        #expect(m3.estimates == leastSquares.estimates)
        #expect(m3.minus2LogLikelihood == leastSquares.minus2LogLikelihood)
    }

    @Test("a censored fit is at least as good as every least-squares optimum it starts from, and reports σ and n")
    func censoredFitNotWorseThanItsStarts() throws {
        let (_, _, samples) = steinSamples()
        let quantified = samples.times.indices.filter { !samples.censored[$0] }
        let times = quantified.map { samples.times[$0] }
        let values = quantified.map { Foundation.exp(samples.logs[$0]) }
        let censoredTimes = [1.0, 120, 180]
        let limits = [100.0, 400, 300]
        let fitter = KineticFitter(model: .stein)
        let fit = try fitter.fit(times: times, values: values, censoredTimes: censoredTimes, limits: limits)
        #expect(fit.blqMethod == .m3)
        #expect(fit.censoredCount == 3)
        let value = try #require(fit.minus2LogLikelihood)
        var candidates: [LocalOptimum] = []
        _ = fitter.fitCurveModel(
            .stein, times: times, logs: times.indices.map { samples.logs[quantified[$0]] }, candidates: &candidates)
        let all = CensoredSamples(
            times: times, logs: quantified.map { samples.logs[$0] }, censoredTimes: censoredTimes,
            logLimits: limits.map { Foundation.log($0) })
        for candidate in candidates {
            let objective = CensoredObjective(curve: candidate.curve, samples: all)
            let start = candidate.theta + [objective.startingLogSigma(theta: candidate.theta)]
            #expect(value <= objective.value(start) + 1e-9)
        }
        let k = 7.0
        #expect(abs((fit.aic ?? .nan) - (value + 2 * k)) <= 1e-9 * abs(value + 2 * k))
        #expect(abs((fit.bic ?? .nan) - (value + k * Foundation.log(13))) <= 1e-9)
        #expect(fit.estimate("beta")?.standardError != nil, "\(fit.status) \(fit.estimates) \(fit.note ?? "")")
    }
}
