import Foundation
import Testing

@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNumerics
@testable import CARKineticsStatistics

/// A fit holding only what ``PopulationPredictor`` reads: the estimates by name and each subject's η̂.
func diagnosticFit(
    _ estimates: [(String, Double)], random: [String], parameters: [String], etas: [(String, [Double])]
) -> PopulationFit {
    PopulationFit(
        parameterNames: parameters, randomNames: random,
        estimates: estimates.map { PopulationEstimate(name: $0.0, value: $0.1) }, minus2LogLikelihood: 0,
        laplaceMinus2LogLikelihood: 0, marginalMethod: .laplace, estimatedCount: estimates.count, subjectCount: 1,
        observationCount: 1, censoredCount: 0, converged: true, status: "converged", notes: [], etaShrinkage: [],
        epsilonShrinkage: 0, conditionNumber: nil,
        individuals: etas.map {
            PopulationIndividual(
                subject: $0.0, eta: $0.1, parameters: [], used: 0, censored: 0, blqDropped: 0, missing: 0,
                preInfusion: 0)
        }, iterations: 0, evaluations: 0, standardErrorMethod: "")
}

@Suite("Population diagnostics: PRED, IPRED, CWRES and the simulation")
struct PopulationDiagnosticsTests {
    static let theophFormula =
        "C = Dose*exp(lKe+lKa-lCl)*(exp(-exp(lKe)*t)-exp(-exp(lKa)*t))/(exp(lKa)-exp(lKe))"

    /// PRED, IPRED and CWRES of Theoph subject 1 (additive error, random lKa and lCl, the sample at 24.37 censored
    /// at 4.0) against `scripts/fixtures/pop_cwres.py` (numpy: analytic G, eigh for the symmetric inverse root).
    @Test("PRED, IPRED, IWRES and CWRES against numpy")
    func conditionalResiduals() throws {
        let structure = try PopulationStructure.formula(Self.theophFormula, parameters: ["lKe", "lKa", "lCl"])
        let model = PopulationModel(structure: structure, random: ["lKa", "lCl"], error: .additive)
        let times = [0, 0.25, 0.57, 1.12, 2.02, 3.82, 5.1, 7.03, 9.05, 12.12, 24.37]
        var values = [0.74, 2.84, 6.57, 10.5, 9.66, 8.58, 8.36, 7.47, 6.89, 5.94, 3.28]
        values[10] = 4.0
        let subject = PopulationSubject(
            id: "1", times: times, values: values, censored: times.map { $0 == 24.37 }, columns: [4.02], design: [])
        let fit = diagnosticFit(
            [
                ("tv_lKe", -2.459053), ("tv_lKa", 0.480864), ("tv_lCl", -3.226741), ("omega_lKa", 0.659215),
                ("omega_lCl", 0.167478), ("sigma", 0.708223),
            ], random: ["lKa", "lCl"], parameters: ["lKe", "lKa", "lCl"], etas: [("1", [0.3, -0.1])])
        let predictor = try PopulationPredictor(
            model: model, data: PopulationData(subjects: [subject], terms: []), fit: fit)
        let rows = predictor.predictions(subject: 0)
        let pred = [
            0, 2.8484368648532685, 5.073014173794509, 6.816033767165207, 7.346276120496776, 6.578061778208605,
            5.910635404899105, 5.013283887419387, 4.218033957155824, 3.2440945278231053, 1.1379934220884784,
        ]
        let ipred = [
            0, 3.980330867662557, 6.619166724668403, 8.189678240946428, 8.261743880848767, 7.1844793911629266,
            6.441562135997484, 5.461631600263048, 4.595170454009727, 3.5341473042302356, 1.239740801544243,
        ]
        let cwres = [
            1.0448686360087147, -0.8260312104307337, 0.1765381509577558, 2.1025547835969984, -0.2086186562853496,
            -0.20983579243532324, 0.7437151198001984, 1.1687874978375246, 1.837710006030148, 2.3183219510805504,
        ]
        let iwres = [
            1.0448686360087147, -1.6101296733692028, -0.06942266019093295, 3.262138844761568, 1.974316167578902,
            1.9704536690238434, 2.7088048030105143, 2.835785338427235, 3.240264077826154, 3.397027060360599,
        ]
        #expect(rows.count == 11)
        for j in 0..<11 {
            #expect(abs(rows[j].population - pred[j]) <= 1e-12 * max(1, pred[j]), "PRED \(j)")
            #expect(abs(rows[j].individual - ipred[j]) <= 1e-12 * max(1, ipred[j]), "IPRED \(j)")
        }
        #expect(rows[10].censored && rows[10].conditionalResidual == nil && rows[10].individualResidual == nil)
        for j in 0..<10 {
            let c = try #require(rows[j].conditionalResidual)
            let w = try #require(rows[j].individualResidual)
            #expect(abs(c - cwres[j]) <= 1e-9, "CWRES \(j): \(c) vs \(cwres[j])")
            #expect(abs(w - iwres[j]) <= 1e-12, "IWRES \(j)")
        }
    }

    /// A one-subject design of the expansion–mono-exponential model with only Cmax random: ln y at a time well
    /// past Tmax is ln f(t; typical) + η + σε, so normal with mean ln f and SD √(ω² + σ²); the fraction below a
    /// limit L is Φ((ln L − ln f)/√(ω² + σ²)). 4,000 replicates: tolerances are 4 Monte Carlo SEs.
    @Test("Simulated ln C has the model's mean and SD; the BLQ fraction is the closed-form probability")
    func simulationMoments() throws {
        let model = PopulationModel(structure: .expansionMonoexp, random: ["cmax"], error: .logAdditive)
        let (cmax, tmax, rho, alpha, omega, sigma) = (5_000.0, 10.0, 0.8, 0.1, 0.5, 0.3)
        let fit = diagnosticFit(
            [
                ("tv_cmax", cmax), ("tv_tmax", tmax), ("tv_rho", rho), ("tv_alpha", alpha), ("omega_cmax", omega),
                ("sigma", sigma),
            ], random: ["cmax"], parameters: ["cmax", "tmax", "rho", "alpha"], etas: [])
        let subject = PopulationSubject(
            id: "A", times: [30, 60], values: [1_000, 10], censored: [false, false], columns: [], design: [])
        let limit = 400.0
        let predictor = try PopulationPredictor(
            model: model, data: PopulationData(subjects: [subject], terms: []), fit: fit, lloq: limit)
        #expect(predictor.limits == [[limit, limit]])
        let n = 4_000
        var below = 0
        for k in 0..<n {
            let values = predictor.simulate(replicate: k, seed: 99)
            // Censoring is exact: a value is returned only at or above the limit.
            #expect(values.allSatisfy { $0 == nil || $0! >= limit })
            if values[0] == nil { below += 1 }
        }
        // The censored fraction at t = 30 against the closed form; the moments of ln y from a design with no limit.
        let meanLog = Foundation.log(cmax) - alpha * (30 - tmax)
        let sd = (omega * omega + sigma * sigma).squareRoot()
        let p = Normal.cdf((Foundation.log(limit) - meanLog) / sd)
        let fraction = Double(below) / Double(n)
        #expect(abs(fraction - p) <= 4 * (p * (1 - p) / Double(n)).squareRoot(), "BLQ \(fraction) vs \(p)")

        let free = try PopulationPredictor(
            model: model, data: PopulationData(subjects: [subject], terms: []), fit: fit)
        var draws: [Double] = []
        for k in 0..<n {
            if let v = free.simulate(replicate: k, seed: 7)[0] { draws.append(Foundation.log(v)) }
        }
        #expect(draws.count == n)
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        #expect(abs(mean - meanLog) <= 4 * sd / Double(n).squareRoot(), "mean \(mean) vs \(meanLog)")
        #expect(abs(variance.squareRoot() - sd) <= 4 * sd / (2 * Double(n)).squareRoot(), "SD \(variance.squareRoot())")
        // Fixed seed: the same replicate twice is the same data set; another replicate is not.
        #expect(free.simulate(replicate: 3, seed: 7) == free.simulate(replicate: 3, seed: 7))
        #expect(free.simulate(replicate: 3, seed: 7) != free.simulate(replicate: 4, seed: 7))
    }

    /// Three identical subjects with one sample each use two normal draws apiece (η, ε). Replicate streams that
    /// start at seed + k·(SplitMix64's increment) — the first version — made replicate k + 2 replicate k shifted by
    /// one subject: the same values, one place on.
    @Test("Replicates are independent streams, not shifted copies of one")
    func independentReplicates() throws {
        let model = PopulationModel(structure: .expansionMonoexp, random: ["cmax"], error: .logAdditive)
        let fit = diagnosticFit(
            [
                ("tv_cmax", 5_000), ("tv_tmax", 10), ("tv_rho", 0.8), ("tv_alpha", 0.1), ("omega_cmax", 0.5),
                ("sigma", 0.3),
            ], random: ["cmax"], parameters: ["cmax", "tmax", "rho", "alpha"], etas: [])
        let subjects = ["a", "b", "c"].map {
            PopulationSubject(id: $0, times: [30], values: [1_000], censored: [false], columns: [], design: [])
        }
        let predictor = try PopulationPredictor(
            model: model, data: PopulationData(subjects: subjects, terms: []), fit: fit)
        for k in 0..<20 {
            let now = predictor.simulate(replicate: k, seed: 5)
            let later = predictor.simulate(replicate: k + 2, seed: 5)
            #expect(Array(now[1...]) != Array(later[..<2]), "replicate \(k + 2) repeats replicate \(k)")
            #expect(Set(now.compactMap { $0 }).count == 3)
        }
    }

    /// Censoring limits of a design: a censored sample's own, the subject's, the `--lloq` number, the common one.
    @Test("Censoring limits of the simulated design")
    func limits() {
        let a = PopulationSubject(
            id: "a", times: [1, 2], values: [50, 300], censored: [true, false], columns: [], design: [])
        let b = PopulationSubject(id: "b", times: [1], values: [700], censored: [false], columns: [], design: [])
        #expect(PopulationPredictor.limits([a, b], lloq: nil) == [[50, 50], [50]])
        #expect(PopulationPredictor.limits([a, b], lloq: 20) == [[50, 50], [20]])
        #expect(PopulationPredictor.limits([b], lloq: nil) == [[nil]])
    }
}
