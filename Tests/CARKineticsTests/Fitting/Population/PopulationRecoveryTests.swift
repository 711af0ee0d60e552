import Foundation
import Testing
@testable import CARKinetics

/// Simulation–estimation on a small population: a mono-exponential formula model with log-normal-like additive
/// η on lA and lk, a categorical covariate on lA and a continuous (power) covariate on lk, log-additive error,
/// and BLQ samples (M3). The truth must be recovered within the sampling error of 48 subjects.
@Suite struct PopulationRecoveryTests {
    static let truth = (lA: Foundation.log(1000.0), lk: Foundation.log(0.3), armB: 0.5, weight: -0.75,
                        omegaA: 0.4, omegaK: 0.3, sigma: 0.2, lloq: 20.0)

    static func profiles(seed: UInt64) -> [Profile] {
        var random = SplitMix64(seed: seed)
        let t = truth
        let times = [0.5, 1, 2, 4, 7, 10, 14]
        return (0..<48).map { i in
            let arm = i % 2 == 0 ? "A" : "B"
            let weight = [50.0, 70, 90][i % 3]
            let lA = t.lA + (arm == "B" ? t.armB : 0) + t.omegaA * random.normal()
            let lk = t.lk + t.weight * Foundation.log(weight / 70) + t.omegaK * random.normal()
            let observations = times.enumerated().map { j, time in
                let level = Foundation.exp(lA - Foundation.exp(lk) * time + t.sigma * random.normal())
                return Observation(time: time, measurement: level < t.lloq ? .belowLimit(lloq: t.lloq) : .value(level),
                                   line: 2 + 7 * i + j)
            }
            return Profile(subject: "R\(i)", groups: [arm, String(weight)], observations: observations)
        }
    }

    @Test func recoversTypicalValuesCovariatesVariabilityAndResidualError() throws {
        let model = PopulationModel(
            structure: try .formula("C = exp(lA - exp(lk)*t)", parameters: ["lA", "lk"]),
            covariates: [CovariateEffect(parameter: "lA", column: "arm"), CovariateEffect(parameter: "lk", column: "wt")],
            error: .logAdditive, start: ["lA": 6, "lk": -1])
        let data = try PopulationData.make(profiles: Self.profiles(seed: 2026), groupColumns: ["arm", "wt"], model: model)
        let censoredFraction = Double(data.censoredCount) / Double(data.observationCount)
        #expect(censoredFraction > 0.1 && censoredFraction < 0.4)
        var options = PopulationFitter.Options()
        options.starts = 1
        let fit = try PopulationFitter(model: model, options: options).fit(data)
        #expect(fit.converged, "\(fit.status)")
        let t = Self.truth
        func value(_ name: String) -> Double { fit.estimate(name)?.value ?? .nan }
        #expect(fit.estimates.map(\.name) == ["tv_lA", "tv_lk", "lA_arm_B", "lk_wt", "omega_lA", "omega_lk", "sigma"])
        #expect(abs(value("tv_lA") - t.lA) <= 0.25)
        #expect(abs(value("tv_lk") - t.lk) <= 0.15)
        #expect(abs(value("lA_arm_B") - t.armB) <= 0.3)
        #expect(abs(value("lk_wt") - t.weight) <= 0.4)
        #expect(abs(value("omega_lA") / t.omegaA - 1) <= 0.3)
        #expect(abs(value("omega_lk") / t.omegaK - 1) <= 0.3)
        #expect(abs(value("sigma") / t.sigma - 1) <= 0.15)
        // Every 95% interval is reported and is ordered around its estimate.
        for e in fit.estimates {
            let (lower, upper) = (try #require(e.lower), try #require(e.upper))
            #expect(lower < e.value && e.value < upper, "\(e.name)")
        }
        // Dropping the BLQ samples instead biases the elimination rate down (the late tail keeps only its top).
        var dropModel = model
        dropModel.censoring = .drop
        let dropped = try PopulationFitter(model: dropModel, options: options)
            .fit(try PopulationData.make(profiles: Self.profiles(seed: 2026), groupColumns: ["arm", "wt"], model: dropModel))
        #expect((dropped.estimate("tv_lk")?.value ?? .nan) < value("tv_lk"))
    }
}

@Suite struct PopulationParallelTests {
    /// The outer objective summed over subjects evaluated in parallel equals the serial sum bit for bit, modes too.
    @Test func parallelEvaluationEqualsSerial() throws {
        let model = PopulationModel(structure: .stein, covariates: [CovariateEffect(parameter: "cmax", column: "dose")])
        let data = try PopulationData.make(profiles: SteinPopulationSimulator().simulate(subjects: 24, seed: 5),
                                           groupColumns: ["dose"], model: model)
        let typical: [Double] = [20_000, 9, 0.9, 0.16, 0.004, 0.01 / 0.99]
        let x: [Double] = typical.map { Foundation.log($0) } + [0.6, 0.0, -1.2, -1, -0.7, -0.5, -0.2, Foundation.log(0.45)]
        let objective = SubjectObjective(model: model)
        let layout = PopulationFitter.Layout(k: 6, e: 1, r: 6, s: 1)
        let warm = [[Double]](repeating: [Double](repeating: 0, count: 6), count: data.subjects.count)
        var serialOptions = PopulationFitter.Options()
        serialOptions.parallel = false
        let serial = PopulationFitter(model: model, options: serialOptions)
            .evaluate(x, layout: layout, data: data, objective: objective, warm: warm, kind: .laplace)
        let parallel = PopulationFitter(model: model)
            .evaluate(x, layout: layout, data: data, objective: objective, warm: warm, kind: .laplace)
        #expect(serial.value.isFinite)
        #expect(serial.value == parallel.value)
        #expect(serial.modes.map { $0.eta } == parallel.modes.map { $0.eta })
    }
}
