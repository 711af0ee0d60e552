import Foundation
import Testing

@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNumerics

/// A cohort simulated from known Stein curves whose persistence phase runs into the LLOQ, fitted per subject
/// with BLQ samples censored (M3) and dropped.
private struct CensoredCohort {
    struct Subject {
        var truth: CurveParameters
        var times: [Double] = []
        var values: [Double] = []
        var censoredTimes: [Double] = []
        var limits: [Double] = []
    }

    var subjects: [Subject] = []

    /// Typical Stein curve of the domain reference with a faster persistence rate (β 0.01/day, fb 0.05) so that
    /// the persistence phase crosses the LLOQ of 300 within the year; between-subject spread e^(ω·N(0,1)),
    /// residual SD 0.35 on ln C; seeded, so the cohort is the same on every run.
    init(count: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let times = [1.0, 4, 7, 10, 14, 21, 28, 42, 56, 90, 120, 180, 270, 360]
        let lloq = 300.0
        for _ in 0..<count {
            let truth = CurveParameters(
                cmax: 20_000 * Foundation.exp(0.5 * random.normal()), tmax: 9 * Foundation.exp(0.15 * random.normal()),
                rho: 0.9 * Foundation.exp(0.2 * random.normal()), alpha: 0.2 * Foundation.exp(0.2 * random.normal()),
                beta: 0.01 * Foundation.exp(0.3 * random.normal()),
                fraction: 0.05 * Foundation.exp(0.3 * random.normal()))
            var subject = Subject(truth: truth)
            for t in times {
                let level = truth.value(at: t) * Foundation.exp(0.35 * random.normal())
                if level < lloq {
                    subject.censoredTimes.append(t)
                    subject.limits.append(lloq)
                } else {
                    subject.times.append(t)
                    subject.values.append(level)
                }
            }
            subjects.append(subject)
        }
    }
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let n = sorted.count
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}

@Suite("M3 recovers the persistence rate of censored profiles")
struct CensoredRecoveryTests {
    /// |ln(β̂/β)|, infinite when the fit has no positive β (boundary β → 0, fb → 0, or no estimates).
    private func error(_ fit: KineticFit, truth: Double) -> Double {
        guard let beta = fit.estimate("beta")?.value, beta > 0 else { return .infinity }
        return abs(Foundation.log(beta / truth))
    }

    @Test("simulated cohort (80 subjects, LLOQ crossing in the persistence phase): M3 beats dropping BLQ on β")
    func persistenceRate() throws {
        let cohort = CensoredCohort(count: 80, seed: 20_261_127)
        let fitter = KineticFitter(model: .stein)
        var m3: [Double] = []
        var dropped: [Double] = []
        var censoredUsed = 0
        for subject in cohort.subjects {
            let truth = subject.truth.beta ?? .nan
            let censored = try fitter.fit(
                times: subject.times, values: subject.values, censoredTimes: subject.censoredTimes,
                limits: subject.limits)
            let leastSquares = try fitter.fit(times: subject.times, values: subject.values)
            censoredUsed += censored.censoredCount
            m3.append(error(censored, truth: truth))
            dropped.append(error(leastSquares, truth: truth))
        }
        let medianM3 = median(m3)
        let medianDrop = median(dropped)
        // Measured (docs/fitting.md): M3 0.344, drop 0.588; 308 censored samples used; no positive β (a boundary
        // fit) in 14 M3 and 21 least-squares fits, counted as infinite errors.
        #expect(censoredUsed > 250)
        #expect(medianM3 < 0.8 * medianDrop, "M3 \(medianM3) vs drop \(medianDrop)")
    }
}
