import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNumerics

/// Population fits with a full covariance block in Ω (`PopulationModel.blocks`, `--block`).
@Suite struct PopulationOmegaBlockTests {
    /// The analytic outer gradient of the Laplace objective with a 3×3 block (cmax, tmax, rho) among six random
    /// effects, against central differences of the objective with every mode re-solved — the Cholesky
    /// off-diagonals included.
    @Test func laplaceGradientWithABlockMatchesDifferencesOfTheObjective() throws {
        let layout = PopulationFitter.Layout(k: 6, e: 1, r: 6, c: 3, s: 1)
        let x = [
            Foundation.log(15_000.0), Foundation.log(8.0), Foundation.log(1.0), Foundation.log(0.2),
            Foundation.log(0.005), Foundation.log(0.02 / 0.98), 0.4,
            Foundation.log(0.8), Foundation.log(0.4), Foundation.log(0.3), Foundation.log(0.6),
            Foundation.log(0.5), Foundation.log(0.7),
            0.25, -0.1, 0.15,
            Foundation.log(0.5),
        ]
        #expect(x.count == layout.count)
        let (analytic, differences, model, _) = try PopulationGradientTests.laplaceGradients(
            blocks: [["cmax", "tmax", "rho"]], layout: layout, at: x)
        #expect(SubjectObjective(model: model).covariance.lowerCount == 3)
        for j in x.indices {
            #expect(
                abs(analytic[j] - differences[j]) <= 2e-3 * max(1, abs(differences[j])),
                "component \(j): analytic \(analytic[j]), differences \(differences[j])")
        }
        // The off-diagonal components are not trivially zero.
        #expect(differences[13...15].contains { abs($0) > 0.1 })
    }

    /// Simulation–estimation: 60 subjects of a mono-exponential model whose random effects on lA and lk are
    /// correlated (ρ = 0.6; measured: ρ̂ 0.683, SE 0.072, 95% 0.516 to 0.800; likelihood ratio 35.4). The block fit recovers ρ, its 95% interval covers the truth and excludes 0; a
    /// diagonal fit of the same data has no correlation row and a worse −2 ln L by more than the 1 extra parameter
    /// buys (likelihood ratio).
    @Test func recoversACorrelation() throws {
        let (lA, lk, omegaA, omegaK, rho, sigma) = (Foundation.log(1000.0), Foundation.log(0.3), 0.4, 0.3, 0.6, 0.15)
        var random = SplitMix64(seed: 4242)
        let times = [0.5, 1, 2, 4, 7, 10]
        let profiles: [Profile] = (0..<60).map { i in
            let z1 = random.normal()
            let z2 = random.normal()
            let a = lA + omegaA * z1
            let k = lk + omegaK * (rho * z1 + (1 - rho * rho).squareRoot() * z2)
            let observations = times.enumerated().map { j, t in
                Observation(
                    time: t, measurement: .value(Foundation.exp(a - Foundation.exp(k) * t + sigma * random.normal())),
                    line: 2 + 6 * i + j)
            }
            return Profile(subject: "C\(i)", groups: [], observations: observations)
        }
        var model = PopulationModel(
            structure: try .formula("C = exp(lA - exp(lk)*t)", parameters: ["lA", "lk"]), error: .logAdditive,
            start: ["lA": 6, "lk": -1], blocks: [["lA", "lk"]])
        let data = try PopulationData.make(profiles: profiles, groupColumns: [], model: model)
        var options = PopulationFitter.Options()
        options.starts = 1
        // The Laplace estimates (no AGQ stage): this model is nearly linear-Gaussian in η, and the test stays fast.
        options.refinementNodes = 0
        let fit = try PopulationFitter(model: model, options: options).fit(data)
        #expect(fit.converged, "\(fit.status)")
        #expect(fit.estimates.map(\.name) == ["tv_lA", "tv_lk", "omega_lA", "omega_lk", "corr_lA_lk", "sigma"])
        let correlation = try #require(fit.estimate("corr_lA_lk"))
        #expect(abs(correlation.value - rho) <= 0.2, "ρ̂ = \(correlation.value)")
        let (lower, upper) = (try #require(correlation.lower), try #require(correlation.upper))
        #expect(lower < rho && rho < upper && lower > 0, "[\(lower), \(upper)]")
        // Fisher-z limits: tanh(atanh ρ̂ ± 1.96·SE/(1 − ρ̂²)).
        let se = try #require(correlation.standardError)
        let z = Foundation.atanh(correlation.value)
        let width = 1.959963984540054 * se / (1 - correlation.value * correlation.value)
        #expect(abs(lower - Foundation.tanh(z - width)) <= 1e-12 && abs(upper - Foundation.tanh(z + width)) <= 1e-12)
        #expect(abs((fit.estimate("omega_lA")?.value ?? .nan) / omegaA - 1) <= 0.3)
        #expect(abs((fit.estimate("omega_lk")?.value ?? .nan) / omegaK - 1) <= 0.3)
        #expect(fit.estimatedCount == 6)
        model.blocks = []
        let diagonal = try PopulationFitter(model: model, options: options).fit(data)
        #expect(diagonal.estimate("corr_lA_lk") == nil)
        #expect(diagonal.minus2LogLikelihood - fit.minus2LogLikelihood > 3.84)
    }

    /// Theoph with random lKa and lCl in one block (nlme: `random = pdSymm(lKa + lCl ~ 1)`), against the exact
    /// maximum-likelihood optimum (`scripts/fixtures/theoph_exact_ml.py --block`: AGQ 40×40 per subject maximised
    /// over (ln SDs, atanh ρ), −2 ln L confirmed on a 1601² brute-force grid).
    @Test func theophBlockReachesTheExactOptimum() throws {
        var model = try TheophReference.model()
        model.blocks = [["lKa", "lCl"]]
        let data = try TheophReference.data(model: model)
        let fit = try PopulationFitter(model: model).fit(data)
        #expect(fit.converged, "\(fit.status)")
        func value(_ name: String) -> Double { fit.estimate(name)?.value ?? .nan }
        let reference = TheophBlockReference.self
        #expect(abs(value("tv_lKe") - reference.lKe) <= 0.03)
        #expect(abs(value("tv_lKa") - reference.lKa) <= 0.03)
        #expect(abs(value("tv_lCl") - reference.lCl) <= 0.03)
        #expect(abs(value("omega_lKa") / reference.omegaKa - 1) <= 0.10)
        #expect(abs(value("omega_lCl") / reference.omegaCl - 1) <= 0.10)
        #expect(abs(value("corr_lKa_lCl") - reference.correlation) <= 0.05)
        #expect(abs(value("sigma") / reference.sigma - 1) <= 0.03)
        #expect(abs(fit.minus2LogLikelihood - reference.minus2LogLikelihood) <= 0.5)
        // One more parameter than the diagonal fit: AIC counts it.
        #expect(fit.estimatedCount == 7)
        #expect(
            fit.estimates.map(\.name) == [
                "tv_lKe", "tv_lKa", "tv_lCl", "omega_lKa", "omega_lCl", "corr_lKa_lCl", "sigma",
            ])
        // Every interval is reported, ordered around its estimate, the correlation's inside (−1, 1).
        for e in fit.estimates {
            let (lower, upper) = (try #require(e.lower), try #require(e.upper))
            #expect(lower < e.value && e.value < upper, "\(e.name)")
        }
        let correlation = try #require(fit.estimate("corr_lKa_lCl"))
        #expect((correlation.lower ?? -2) > -1 && (correlation.upper ?? 2) < 1)
        // Ω at the estimates agrees with the reported SDs and correlation.
        let omega = fit.omegaMatrix
        #expect(omega.count == 4 && omega[1] == omega[2])
        #expect(isClose(omega[0].squareRoot(), value("omega_lKa"), relative: 1e-12))
        #expect(isClose(omega[3].squareRoot(), value("omega_lCl"), relative: 1e-12))
        #expect(isClose(omega[1] / (omega[0] * omega[3]).squareRoot(), correlation.value, relative: 1e-12))
    }
}

/// The exact ML optimum of Theoph with a 2×2 Ω block (see ``PopulationOmegaBlockTests``). nlme (R 4.2.2,
/// nlme 3.1-162, `pdSymm`), for comparison: lKe −2.454673, lKa 0.465553, lCl −3.227214, SDs 0.643799 /
/// 0.166915, correlation −0.00197 (its 95% interval −0.554 to 0.552), σ 0.709230, logLik −177.0230 (its own
/// approximation).
enum TheophBlockReference {
    static let lKe = -2.459166, lKa = 0.480936, lCl = -3.226817
    static let omegaKa = 0.659229, omegaCl = 0.167432, correlation = -0.011875, sigma = 0.708222
    /// AGQ 40×40 and the 1601² brute-force grid agree to the 6 decimals printed (the diagonal optimum's is
    /// 355.479788: the correlation buys 0.0015 units).
    static let minus2LogLikelihood = 355.478312
}
