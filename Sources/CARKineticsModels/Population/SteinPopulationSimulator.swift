import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Simulates CAR-T populations from a known Stein model, for simulation–estimation checks and benchmarks.
///
/// Subject i gets dose `doses[i % doses.count]`, parameters `cmax = tv·(dose/median dose)^doseExponent·e^η`,
/// the other positive parameters `tv·e^η`, `fb = logistic(logit tv + η)`, η ~ N(0, ω²) independent; the curve at
/// each scheduled time (each time after day 1 jittered by up to ±5%) times `e^ε`, ε ~ N(0, σ²); levels below
/// `lloq` are written as BLQ (with the limit). Deterministic for a given seed.
public struct SteinPopulationSimulator: Sendable {
    /// Typical values: cmax, tmax, rho, alpha, beta, fb.
    public var typical: [Double] = [20_000, 9, 0.9, 0.16, 0.004, 0.01]
    /// SDs of η on the log (logit for fb) scale, same order.
    public var omega: [Double] = [1.0, 0.3, 0.35, 0.5, 0.6, 0.8]
    public var sigma = 0.45
    public var doseExponent = 0.6
    public var doses: [Double] = [1, 3, 10]
    public var lloq = 100.0
    public var times: [Double] = [1, 4, 7, 10, 14, 21, 28, 42, 56, 90, 120, 180, 270, 360]

    public init() {}

    /// `count` subjects named `S0001`…, each with the dose as its only group value (column `dose`).
    public func simulate(subjects count: Int, seed: UInt64) -> [Profile] {
        var random = SplitMix64(seed: seed)
        let sortedDoses = doses.sorted()
        let median =
            sortedDoses.count % 2 == 1
            ? sortedDoses[sortedDoses.count / 2]
            : (sortedDoses[sortedDoses.count / 2 - 1] + sortedDoses[sortedDoses.count / 2]) / 2
        return (0..<count).map { i in
            let dose = doses[i % doses.count]
            var p = [Double](repeating: 0, count: 6)
            for k in 0..<5 { p[k] = typical[k] * Foundation.exp(omega[k] * random.normal()) }
            p[0] *= Foundation.pow(dose / median, doseExponent)
            let logitFb = Foundation.log(typical[5] / (1 - typical[5])) + omega[5] * random.normal()
            p[5] = logistic(logitFb)
            let curve = CurveParameters(cmax: p[0], tmax: p[1], rho: p[2], alpha: p[3], beta: p[4], fraction: p[5])
            var observations: [Observation] = []
            for (j, nominal) in times.enumerated() {
                let t = nominal <= 1 ? nominal : nominal * (1 + 0.05 * (2 * random.uniform() - 1))
                let level = curve.value(at: t) * Foundation.exp(sigma * random.normal())
                let measurement: CARKineticsData.MeasuredValue = level < lloq ? .belowLimit(lloq: lloq) : .value(level)
                observations.append(Observation(time: t, measurement: measurement, line: 2 + i * times.count + j))
            }
            return Profile(subject: String(format: "S%04d", i + 1), groups: [String(dose)], observations: observations)
        }
    }
}
