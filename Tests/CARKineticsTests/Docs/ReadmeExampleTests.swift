import CARKinetics
import Foundation
import Testing

// The library examples of README.md, compiled and checked here so the README cannot drift from the API.
@Suite("README examples")
struct ReadmeExampleTests {
    @Test("NCA of one profile")
    func ncaOfOneProfile() {
        // README: "NCA of one profile"
        let profile = Profile(
            subject: "P01",
            observations: [
                Observation(time: 0, measurement: .belowLimit(lloq: 50), line: 2),
                Observation(time: 7, measurement: .value(12_000), line: 3),
                Observation(time: 14, measurement: .value(4_000), line: 4),
                Observation(time: 28, measurement: .value(900), line: 5),
            ])
        let result = NCA.analyze(profile, options: NCAOptions(aucMethod: .linearUpLogDown))
        // Hand computation: 7·12000/2 + 7·8000/ln 3 + 14·3100/ln(40/9).
        let expected = 42_000 + 7 * 8_000 / log(3.0) + 14 * 3_100 / log(4_000.0 / 900)
        #expect(result.cmax.number == 12_000)
        #expect(result.tmax.number == 7)
        #expect(isClose(result.auclast.number ?? .nan, expected, relative: 1e-12))
    }

    @Test("a Stein fit of one subject")
    func steinFit() throws {
        // README: "Fit the Stein model to one subject"
        let truth = CurveParameters(cmax: 24_000, tmax: 9.3, rho: 0.889, alpha: 0.16, beta: 0.0032, fraction: 0.0079)
        let times: [Double] = [1, 4, 7, 9.3, 14, 21, 28, 60, 90, 180, 365]
        let fit = try KineticFitter(model: .stein).fit(times: times, values: times.map { truth.value(at: $0) })
        #expect(fit.status == .converged)
        for (name, value) in [("cmax", 24_000.0), ("alpha", 0.16), ("beta", 0.0032), ("fb", 0.0079)] {
            #expect(isClose(fit.estimate(name)?.value ?? .nan, value, relative: 1e-6), "\(name)")
        }
    }

    @Test("least squares through the engine: closure, formula, linear")
    func engine() throws {
        // Misra1a (NIST StRD), first 4 observations.
        let x = [77.6, 114.9, 141.1, 190.8]
        let y = [10.07, 14.73, 17.94, 23.93]
        var solver = LevenbergMarquardt(parameterCount: 2, residualCount: x.count)
        let fit = solver.minimize(
            start: [500, 1e-4],
            residuals: { b, r in for i in x.indices { r[i] = y[i] - b[0] * (1 - exp(-b[1] * x[i])) } },
            jacobian: nil)
        #expect(fit.converged)
        let byFormula = try FormulaFit.fit(
            formula: "y = b1*(1-exp[-b2*x])", parameters: ["b1", "b2"], start: [500, 1e-4],
            variables: ["x"], values: [x], response: y)
        #expect(isClose(byFormula.ssr, fit.ssr, relative: 1e-8))
        #expect(isClose(byFormula.parameters[1], fit.parameters[1], relative: 1e-6))

        let design = Matrix(rows: 4, columns: 2) { row, column in column == 0 ? 1 : x[row] }
        let line = try LinearLeastSquares.solve(design: design, response: y)
        #expect(line.rank == 2)
        // Slope of an exact straight line through the first and last points bounds the fitted slope loosely.
        #expect(abs(line.coefficients[1] - (23.93 - 10.07) / (190.8 - 77.6)) < 0.01)
    }

    @Test("NCA of whole files, as pkfit nca does")
    func wholeFiles() throws {
        // README: "Whole files, as `pkfit nca` does" (SampleData/aid_cd7_qpcr.csv)
        let output = try NCAAnalysis(selection: ColumnSelection(groups: ["COHORT"]))
            .run(files: [fixtureURL("data/aid_cd7_qpcr.csv")])
        let table = output.table
        #expect(table.columns.prefix(4) == ["subject", "COHORT", "cmax", "tmax"])
        #expect(table.rows.count == 18)
        // AID-001: Cmax 764.377 at day 10.1 (expected results file).
        #expect(table.rows[0][2] == .number(764.377))
        #expect(table.rendered(as: .table).contains("AID-001"))
    }
}
